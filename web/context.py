"""What the app's views share: the runtime plus the web's own live parts, kept on the app.

Stored in `app.extensions["mpp"]` by `create_app`, so there are no module globals and two apps
(e.g. in one test process) never see each other's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from appliance.runtime import Core
from appliance.throttle import LoginThrottle
from web.live.boardstate import BoardCache
from web.live.doorbell import Doorbell, StreamGate


@dataclass
class WebContext:
    core: Core
    hardware: Any  # appliance hardware (printer, buttons) or None when not fitted
    announcer: Any  # builds call announcement WAVs, or None
    doorbell: Doorbell
    streams: StreamGate
    throttle: LoginThrottle
    board: BoardCache
    questionnaire: Any = None
    connections: Any = None  # `() -> dict`: the server's socket figures, set by `mpp run`


def web() -> WebContext:
    context: WebContext = current_app.extensions["mpp"]
    return context
