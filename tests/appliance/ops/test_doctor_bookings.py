"""`mpp doctor` says when bookable services meet a box that trusts no booking key (every scanned
QR would be refused at the kiosk), and is quiet for a site without bookings."""

from __future__ import annotations

from pathlib import Path

from appliance.bookings.keys import forget_key, trusted_keys
from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.config.sections import Config, StorageConfig
from appliance.ops.doctor.bookings import check_bookings
from appliance.ops.doctor.findings import Checkup
from appliance.storage.database import connected
from tests.support.appliance_bookings import bookable_document, bookable_site
from tests.support.engine_fixtures import make_site


def _checkup(path: Path, lang: str = "id") -> Checkup:
    return Checkup(Config(storage=StorageConfig(database=str(path))), lang=lang)


def test_bookable_services_without_a_key_warn_and_say_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "appliance.db"
    db, _clock, _seed = bookable_site(path)
    [finding] = check_bookings(_checkup(path))
    assert finding.level == "ok" and "1 kunci booking dipercaya" in finding.message
    with connected(db):
        for key in trusted_keys():
            forget_key(key.kid)
    db.close()
    [finding] = check_bookings(_checkup(path, "en"))
    assert finding.level == "warn"
    assert "no booking key is trusted" in finding.message
    assert "mpp bookings trust-key" in finding.fix


def test_a_site_without_bookings_or_a_database_says_nothing(tmp_path: Path) -> None:
    assert check_bookings(_checkup(tmp_path / "missing.db")) == []
    path = tmp_path / "appliance.db"
    make_site(path).db.close()
    assert check_bookings(_checkup(path)) == []
    # Bookable once, then every quota back to 0: not bookable, nothing to say.
    db, clock, _seed = bookable_site(tmp_path / "again.db")
    document = bookable_document("")  # its key list is taken out: an admin's own edit
    document.pop("booking_keys")
    for service in document["services"]:
        service["booking_quota"] = 0
    apply_catalogue(db, validate_catalogue(document), clock=clock)
    db.close()
    assert check_bookings(_checkup(tmp_path / "again.db")) == []
