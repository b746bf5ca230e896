"""The admin health panel's words for the box's speaker (beside the printer's in strings.py)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext


def device_strings() -> dict[str, str]:
    return {
        "health_speaker": _("Pengeras suara"),
        "speaker_ok": _("Berfungsi"),
        "speaker_fault": _("Gangguan"),
        "speaker_spoken": _("{n} nomor diucapkan"),
        "speaker_spoken_one": pgettext("one", "{n} nomor diucapkan"),
        "speaker_dropped": _("{n} nomor tidak terucap"),
        "speaker_dropped_one": pgettext("one", "{n} nomor tidak terucap"),
        "speaker_hint": _(
            "Nomor dari tombol tidak terdengar. Periksa kabel dan volume pengeras suara;"
            " warga tetap menerima kertas nomor."
        ),
    }
