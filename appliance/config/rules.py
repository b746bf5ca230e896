"""The value rules of a configuration: ranges, choices, URLs and pins.

Run on the typed sections once `appliance.config.convert` has built them; each broken rule comes
back as a (dotted path, message) pair, to which the loader adds the file or variable the value
came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib.util import find_spec
from urllib.parse import urlsplit

from appliance.config.sections import Config, GpioConfig
from appliance.config.show import redact_url

Problem = tuple[str, str]  # (dotted path, message)

PRINTER_DRIVERS = ("usb", "serial", "network", "file", "none")
PAPER_WIDTHS_MM = (58, 80)
SPEAKER_DRIVERS = ("aplay", "file", "none")
PIN_FACTORIES = ("lgpio", "mock", "none")
WHEN_PRINTER_DOWN = ("issue", "refuse")
LANGUAGES = ("id", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The same categories as appliance.storage.models.PRIORITY_REASONS (a test keeps them equal);
# repeated here so the configuration stays a pure module that imports no peewee.
PRIORITY_REASONS = ("lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")
# BCM numbers of the GPIO pins on the 40-pin header of every Pi from the 3B+ to the 5.
BCM_PINS = range(28)
DATABASE_SCHEMES = ("sqlite:///", "postgresql://")
# Characters MQTT gives a meaning in topics: a site code goes into `mpp/v1/sites/{site}/...`.
TOPIC_RESERVED = frozenset("/+#")


def check_values(config: Config) -> list[Problem]:
    """Every rule broken by `config`, in the order of the sections."""
    problems: list[Problem] = []
    _choices(config, problems)
    _numbers(config, problems)
    _pins(config.gpio, problems)
    _addresses(config, problems)
    return problems


def _choices(config: Config, problems: list[Problem]) -> None:
    rules: list[tuple[str, object, Sequence[object]]] = [
        ("web.language", config.web.language, LANGUAGES),
        ("printer.driver", config.printer.driver, PRINTER_DRIVERS),
        ("printer.paper_width_mm", config.printer.paper_width_mm, PAPER_WIDTHS_MM),
        ("gpio.pin_factory", config.gpio.pin_factory, PIN_FACTORIES),
        ("gpio.when_printer_down", config.gpio.when_printer_down, WHEN_PRINTER_DOWN),
        ("speaker.driver", config.speaker.driver, SPEAKER_DRIVERS),
        ("logging.level", config.logging.level, LOG_LEVELS),
    ]
    rules += [
        (f"gpio.buttons[{i}].priority_reason", b.priority_reason, PRIORITY_REASONS)
        for i, b in enumerate(config.gpio.buttons)
    ]
    for path, value, allowed in rules:
        if value not in allowed:
            problems.append((path, f"{value!r} is not one of {', '.join(map(str, allowed))}"))


def _numbers(config: Config, problems: list[Problem]) -> None:
    web, printer, sync = config.web, config.printer, config.sync
    minimums: list[tuple[str, float, float]] = [
        ("storage.busy_timeout_ms", config.storage.busy_timeout_ms, 1),
        ("web.threads", web.threads, 1),
        ("web.max_streams", web.max_streams, 1),
        ("web.session_hours", web.session_hours, 1),
        ("web.max_connections", web.max_connections, 16),
        ("web.connections_per_address", web.connections_per_address, 1),
        ("web.streams_per_address", web.streams_per_address, 1),
        ("central.web.max_connections", config.central.web.max_connections, 16),
        ("central.web.connections_per_address", config.central.web.connections_per_address, 1),
        ("printer.baudrate", printer.baudrate, 1),
        ("printer.usb_vendor", printer.usb_vendor, 0),
        ("printer.usb_product", printer.usb_product, 0),
        ("gpio.bounce_s", config.gpio.bounce_s, 0),
        ("queue.priority_streak_limit", config.queue.priority_streak_limit, 1),
        ("queue.recalls_before_no_show", config.queue.recalls_before_no_show, 0),
        ("queue.recent_handling_window", config.queue.recent_handling_window, 1),
        ("sync.batch_size", sync.batch_size, 1),
        ("sync.window", sync.window, 1),
        ("sync.compress_over_bytes", sync.compress_over_bytes, 0),
        ("sync.keepalive_s", sync.keepalive_s, 1),
        ("central.workers", config.central.workers, 1),
        ("central.ingest_processes", config.central.ingest_processes, 0),
    ]
    minimums += [
        (f"gpio.buttons[{i}].cooldown_s", b.cooldown_s, 0)
        for i, b in enumerate(config.gpio.buttons)
    ]
    for path, value, minimum in minimums:
        if value < minimum:
            problems.append((path, f"must be at least {minimum}, got {value}"))
    for path, seconds in (
        ("printer.timeout_s", printer.timeout_s),
        ("printer.retry_s", printer.retry_s),
        ("printer.stale_after_s", printer.stale_after_s),
        ("speaker.timeout_s", config.speaker.timeout_s),
        ("web.idle_timeout_s", web.idle_timeout_s),
        ("web.request_timeout_s", web.request_timeout_s),
        ("central.web.idle_timeout_s", config.central.web.idle_timeout_s),
        ("central.web.request_timeout_s", config.central.web.request_timeout_s),
    ):
        if not seconds > 0:
            problems.append((path, f"must be greater than 0, got {seconds}"))
    for path, usb_id in (
        ("printer.usb_vendor", printer.usb_vendor),
        ("printer.usb_product", printer.usb_product),
    ):
        if usb_id > 0xFFFF:
            problems.append((path, f"{usb_id:#x} is not a USB id (0x0000-0xffff)"))
    for path, port in (
        ("web.port", web.port),
        ("printer.port", printer.port),
        ("central.web.port", config.central.web.port),
    ):
        if not 1 <= port <= 65535:
            problems.append((path, f"{port} is not a port (1-65535)"))
    for path, ms in (
        ("voice.letter_pause_ms", config.voice.letter_pause_ms),
        ("voice.pause_ms", config.voice.pause_ms),
    ):
        if not 0 <= ms <= 2000:
            problems.append((path, f"must be 0-2000 ms, got {ms}"))
    if web.cpu not in ("last", "any") and not (web.cpu.isdigit() and int(web.cpu) < 1024):
        problems.append(("web.cpu", f"{web.cpu!r} is not 'last', 'any' or a CPU number"))
    if web.threads >= 1 and web.max_streams >= web.threads:
        # Every open board stream holds a waitress thread for its whole life (PITFALLS.md).
        problems.append(
            ("web.max_streams", f"must be below web.threads ({web.threads}) to leave threads")
        )


def _pins(gpio: GpioConfig, problems: list[Problem]) -> None:
    """BCM pins only, each used once: two buttons on one pin would both fire on one press."""
    used: dict[int, str] = {}
    claims = [(f"gpio.buttons[{i}].pin", b.pin) for i, b in enumerate(gpio.buttons)]
    if gpio.led_pin is not None:
        claims.append(("gpio.led_pin", gpio.led_pin))
    if gpio.buzzer_pin is not None:
        claims.append(("gpio.buzzer_pin", gpio.buzzer_pin))
    for path, pin in claims:
        if pin not in BCM_PINS:
            problems.append((path, f"{pin} is not a BCM GPIO pin (0-27)"))
        elif pin in used:
            problems.append((path, f"pin {pin} is already used by {used[pin]}"))
        else:
            used[pin] = path
    for i, button in enumerate(gpio.buttons):
        if not button.service.strip():
            problems.append((f"gpio.buttons[{i}].service", "a service code is required"))


def _addresses(config: Config, problems: list[Problem]) -> None:
    _http_url("web.public_url", config.web.public_url, problems, required=True)
    _http_url("central.web.public_url", config.central.web.public_url, problems, required=False)
    if config.printer.driver == "network" and not config.printer.host:
        problems.append(("printer.host", "required by the network printer driver"))
    sync = config.sync
    if sync.broker:
        _broker("sync.broker", sync.broker, problems)
        if not sync.site:
            problems.append(("sync.site", "required when sync.broker is set"))
    if any(c in TOPIC_RESERVED or c.isspace() for c in sync.site):
        problems.append(("sync.site", f"{sync.site!r} must not contain spaces, '/', '+' or '#'"))
    if sync.installation_id and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", sync.installation_id):
        problems.append(("sync.installation_id", "must be 1-64 of A-Z a-z 0-9 _ -"))
    if bool(sync.cert_file) != bool(sync.key_file):
        problems.append(("sync.key_file", "give sync.cert_file and sync.key_file together"))
    _broker("central.broker", config.central.broker, problems)
    database = config.central.database
    if not database.startswith(DATABASE_SCHEMES) or database in DATABASE_SCHEMES:
        problems.append(
            (
                "central.database",
                f"{redact_url(database)!r} must be sqlite:///PATH or postgresql://...",
            )
        )
    elif database.startswith("postgresql://") and not _postgres_driver():
        problems.append(
            (
                "central.database",
                "postgresql:// needs the PostgreSQL driver, which is not installed: "
                "pip install 'mpp-appliance[postgres]' (install.sh --role central installs it)",
            )
        )


def _postgres_driver() -> bool:
    """Whether central could open a postgresql:// URL here (psycopg 3, or psycopg2, which peewee
    falls back to). Looked up, not imported."""
    return any(find_spec(name) is not None for name in ("psycopg", "psycopg2"))


def _http_url(path: str, url: str, problems: list[Problem], *, required: bool) -> None:
    if not url and not required:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append((path, f"{url!r} must be an http:// or https:// URL"))


def _broker(path: str, url: str, problems: list[Problem]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        problems.append((path, f"{url!r} must look like mqtt://host:port or mqtts://host:port"))
        return
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        problems.append((path, f"{url!r} has a bad port"))
