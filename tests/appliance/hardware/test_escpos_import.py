"""python-escpos imported as `mpp run` imports it (appliance.hardware.escpos_import), each time in
a fresh interpreter: this test process imported escpos long ago."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

from appliance.config.sections import Config, StorageConfig
from appliance.hardware.build import cache_folder
from tests.support.live_appliance import REPO, child_env

_CHILD = r"""
import json, sys
from datetime import datetime, timezone
from pathlib import Path
from appliance.hardware.escpos_import import import_escpos
import_escpos(Path(sys.argv[1]) if sys.argv[1] else None)
lazy = sorted(
    n
    for n in ("qrcode", "yaml", "PIL.Image", "PIL.ImageOps", "PIL.ImageDraw", "serial", "usb.core")
    if type(sys.modules.get(n)).__name__ == "_LazyModule"
)
from appliance.hardware.escpos_printer import render
from appliance.hardware.receipt import printer_test_receipt
from tests.support.escpos_fakes import decode
receipt = printer_test_receipt("MPP", "usb", datetime.now(timezone.utc), 48, "http://mpp.local/t/x")
native = decode(render(receipt))  # the printer's own QR command: qrcode never loaded
after_native = [type(sys.modules[n]).__name__ for n in ("qrcode", "PIL.Image")]
image = decode(render(receipt, "TM-U220"))  # no native QR: qrcode and Pillow load on demand
from appliance.config.sections import PrinterConfig
from appliance.hardware.escpos_printer import build_escpos_printer
from appliance.hardware.ports import PrinterFault
faults = {}
for driver in ("usb", "serial"):  # pyusb and pyserial load on the first open: no such device
    try:
        build_escpos_printer(PrinterConfig(driver=driver, device="/nonexistent/tty")).open()
    except PrinterFault as fault:
        faults[driver] = [fault.state, type(sys.modules[driver]).__name__]
print(json.dumps({
    "faults": faults,
    "lazy": lazy, "after_native": after_native, "native_qr": native.qr, "cuts": native.cuts,
    "images": image.images,
    "after_image": [type(sys.modules[n]).__name__ for n in ("qrcode", "PIL.Image")],
}))
"""


def import_in_child(cache: Path | None, tmp: Path, script: str = _CHILD) -> dict[str, object]:
    """What `script` (given the cache folder, "" for none) prints last, as JSON."""
    env = child_env() | {"TMPDIR": str(tmp)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", script, str(cache) if cache else ""],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=True,
    )
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_pickle_kept_in_the_cache_no_temporary_folder_left_optional_parts_lazy(
    tmp_path: Path,
) -> None:
    cache, tmp = tmp_path / "cache", tmp_path / "tmp"
    tmp.mkdir()
    first = import_in_child(cache, tmp)
    pickle = cache / "escpos" / f"{platform.python_version()}.capabilities.pickle"
    assert sorted(p.name for p in (cache / "escpos").iterdir()) == [pickle.name]
    assert list(tmp.iterdir()) == []  # escpos's own mkdtemp() went to a scratch folder, removed
    written = pickle.stat().st_mtime_ns

    second = import_in_child(cache, tmp)  # every later start reads the pickle
    assert pickle.stat().st_mtime_ns == written
    assert list(tmp.iterdir()) == []
    for found in (first, second):  # the first start had a child parse the data with yaml
        lazy = ["PIL.Image", "PIL.ImageDraw", "PIL.ImageOps", "qrcode", "serial", "usb.core"]
        assert found["lazy"] == [*lazy, "yaml"]
        assert found["after_native"] == ["_LazyModule", "_LazyModule"]  # Pillow not loaded
        assert found["native_qr"] == ["http://mpp.local/t/x"] and found["cuts"] == 1
        assert found["images"] == 1 and found["after_image"] == ["module", "module"]
        assert found["faults"] == {"usb": ["offline", "module"], "serial": ["offline", "module"]}


def test_without_a_usable_cache_escpos_works_its_own_way(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    found = import_in_child(blocker, tmp)
    assert found["native_qr"] == ["http://mpp.local/t/x"] and found["images"] == 1
    assert len(list(tmp.iterdir())) == 1  # escpos's own temporary folder, as without this module


def test_the_cache_is_beside_the_database(tmp_path: Path) -> None:
    on_disk = Config(storage=StorageConfig(database=str(tmp_path / "state" / "appliance.db")))
    assert cache_folder(on_disk) == tmp_path / "state" / "cache"
    assert cache_folder(Config(storage=StorageConfig(database=":memory:"))) is None


_PAIRING_QR = r"""
import json, sys, threading
from pathlib import Path
from appliance.hardware.escpos_import import import_escpos
import_escpos(Path(sys.argv[1]))
before = type(sys.modules["qrcode"]).__name__
from web.kiosk_link import qr_data_uri
start, found = threading.Barrier(8), []
def draw():
    start.wait()
    found.append(qr_data_uri("http://mpp.local/kiosk?token=abc"))
threads = [threading.Thread(target=draw) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps({"before": before, "after": type(sys.modules["qrcode"]).__name__,
                  "drawn": len(found), "same": len(set(found))}))
"""


def test_the_admins_pairing_qr_draws_with_a_qrcode_the_printer_deferred(tmp_path: Path) -> None:
    """The kiosk-pairing QR (a request thread) and the print worker share qrcode, which the
    printer's import defers: eight threads drawing at once all get the same picture."""
    found = import_in_child(tmp_path / "cache", tmp_path, _PAIRING_QR)
    assert found == {"before": "_LazyModule", "after": "module", "drawn": 8, "same": 1}
