"""The configuration's sections: typed, frozen, with the defaults every part of the box uses.

These dataclasses are the one place a default is written: the engine's and sync's own settings
take their values (and their defaults) from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from appliance.config.fields import CATALOGUE, PATH, SECRET, SQLITE_URL


@dataclass(frozen=True)
class SiteConfig:
    catalogue: str = field(default="catalogue.json", metadata=CATALOGUE)
    code: str = ""  # overrides the catalogue's site code when set


@dataclass(frozen=True)
class StorageConfig:
    database: str = field(default="/var/lib/mpp/appliance.db", metadata=PATH)
    busy_timeout_ms: int = 5000


@dataclass(frozen=True)
class WebConfig:
    host: str = "0.0.0.0"  # noqa: S104 - the appliance serves the LAN
    port: int = 8080
    public_url: str = "http://mpp.local:8080"
    # 48: 40 busy counters each find a thread (B2 with 32 queued them: ~700 calls/s, not ~800)
    threads: int = 48
    max_streams: int = 24
    cpu: str = "last"  # `mpp run` on one CPU: "last" allowed one, a CPU number, or "any"
    secret_key: str = field(default="", metadata=SECRET)
    language: str = "id"
    session_hours: int = 12
    # What one LAN client may hold (web/kit/server.py): idle and slow sockets never stop the box
    max_connections: int = 500  # past it the longest-idle socket is closed for the new one
    connections_per_address: int = 32  # the box's own loopback is exempt
    idle_timeout_s: float = 30.0  # a keep-alive socket with no request is closed
    request_timeout_s: float = 15.0  # a request (headers and body) must arrive whole by then
    streams_per_address: int = 4  # live streams one LAN address may hold (of max_streams)


@dataclass(frozen=True)
class PrinterConfig:
    driver: str = "none"
    folder: str = field(default="/var/lib/mpp/receipts", metadata=PATH)
    host: str = ""
    port: int = 9100
    device: str = "/dev/ttyUSB0"
    baudrate: int = 19200
    usb_vendor: int = 0x0416
    usb_product: int = 0x5011
    paper_width_mm: int = 80
    timeout_s: float = 5.0
    profile: str = "default"
    png: bool = False  # file driver: also a PNG of each receipt (Pillow: +10 MB resident)
    svg: bool = False  # file driver: also an SVG of each receipt (what development uses)
    footer: str = "Terima kasih. Simpan tiket ini sampai dipanggil."
    query_status: bool = True  # ask the printer for paper/cover status before each job
    retry_s: float = 3.0  # how often a faulted printer is tried again
    stale_after_s: float = 120.0  # a receipt still unprinted after this is dropped (staff reprint)


@dataclass(frozen=True)
class ButtonConfig:
    pin: int
    service: str
    priority: bool = False
    priority_reason: str = "lansia"
    cooldown_s: float = 2.0


@dataclass(frozen=True)
class GpioConfig:
    pin_factory: str = "lgpio"
    buttons: tuple[ButtonConfig, ...] = ()
    led_pin: int | None = None
    buzzer_pin: int | None = None  # an optional active buzzer: beeps when a press is refused
    bounce_s: float = 0.05
    # What a button press does while the printer is faulted: "issue" (a number without paper,
    # staff reprint it from the desk or counter) or "refuse" (no ticket; the LED flashes fast).
    when_printer_down: str = "issue"


@dataclass(frozen=True)
class SpeakerConfig:
    # The box's loudspeaker says the number a ticket button issued ("Nomor antrean A dua
    # belas"): "aplay" (ALSA, alsa-utils), "file" (development: one WAV per number in `folder`)
    # or "none" (no speaker; the default, so a site without one changes nothing).
    driver: str = "none"
    folder: str = field(default="/var/lib/mpp/speech", metadata=PATH)
    device: str = ""  # the ALSA device for aplay -D ("plughw:1,0"); "" = ALSA's default
    timeout_s: float = 10.0  # a player still running after this is killed


@dataclass(frozen=True)
class QueueConfig:
    priority_streak_limit: int = 3
    recalls_before_no_show: int = 2
    enforce_hours: bool = True
    recent_handling_window: int = 20


@dataclass(frozen=True)
class SyncConfig:
    broker: str = ""  # "" = sync disabled
    site: str = ""
    username: str = ""
    password: str = field(default="", metadata=SECRET)
    ca_file: str = field(default="", metadata=PATH)
    cert_file: str = field(default="", metadata=PATH)
    key_file: str = field(default="", metadata=PATH)
    batch_size: int = 500
    window: int = 4
    compress_over_bytes: int = 4096
    keepalive_s: int = 30
    installation_id: str = ""  # "" = from a seed in the database and the hardware serial


@dataclass(frozen=True)
class CentralWebConfig:
    host: str = "0.0.0.0"  # noqa: S104
    port: int = 8090
    public_url: str = ""
    secret_key: str = field(default="", metadata=SECRET)
    max_connections: int = 500
    connections_per_address: int = 32
    idle_timeout_s: float = 30.0
    request_timeout_s: float = 15.0


@dataclass(frozen=True)
class CentralConfig:
    database: str = field(default="sqlite:////var/lib/mpp/central.db", metadata=SQLITE_URL)
    broker: str = "mqtt://127.0.0.1:1883"
    username: str = ""
    password: str = field(default="", metadata=SECRET)
    ca_file: str = field(default="", metadata=PATH)
    workers: int = 2
    # Processes of `workers` ingest threads each, started and kept running by `mpp central`
    # beside its HTTP server; 0 = the workers are threads of that one process (demo, tests).
    ingest_processes: int = 0
    web: CentralWebConfig = field(default_factory=CentralWebConfig)


@dataclass(frozen=True)
class VoiceConfig:
    # A folder of human recordings, `<clip name>.wav` each, replacing the packaged clips file by
    # file; "" = the packaged clips only (docs/announcements.md).
    clips: str = field(default="", metadata=PATH)
    # How a call is said (docs/announcements.md "Intelligible calls"): quiet after each spelled
    # letter so "B K" is not heard as one sound, extra quiet at the comma after the number, and
    # the counter said twice ("… loket tiga, loket tiga") for whoever missed it the first time.
    letter_pause_ms: int = 200
    pause_ms: int = 300
    repeat_counter: bool = True


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    site: SiteConfig = field(default_factory=SiteConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    web: WebConfig = field(default_factory=WebConfig)
    printer: PrinterConfig = field(default_factory=PrinterConfig)
    gpio: GpioConfig = field(default_factory=GpioConfig)
    speaker: SpeakerConfig = field(default_factory=SpeakerConfig)
    queue: QueueConfig = field(default_factory=QueueConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    central: CentralConfig = field(default_factory=CentralConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
