"""The questionnaire's words, marked for translation.

The questionnaire is data (`appliance/data/skm-permenpan-14-2017.json`), so the extractor cannot
see its texts; listing them here puts them in the `.po` file, and a test fails when the JSON has
a text this list lacks. Templates translate them with `tr(text)` (gettext at render time).
"""

from __future__ import annotations


def N_(text: str) -> str:  # the marker name pybabel looks for by default
    return text


# fmt: off
QUESTIONNAIRE_WORDS: tuple[str, ...] = (
    N_("Survei Kepuasan Masyarakat"),
    N_("Persyaratan"),
    N_("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?"),  # noqa: E501
    N_("Tidak sesuai"),
    N_("Kurang sesuai"),
    N_("Sesuai"),
    N_("Sangat sesuai"),
    N_("Sistem, Mekanisme, dan Prosedur"),
    N_("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?"),
    N_("Tidak mudah"),
    N_("Kurang mudah"),
    N_("Mudah"),
    N_("Sangat mudah"),
    N_("Waktu Penyelesaian"),
    N_("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?"),
    N_("Tidak cepat"),
    N_("Kurang cepat"),
    N_("Cepat"),
    N_("Sangat cepat"),
    N_("Biaya/Tarif"),
    N_("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?"),
    N_("Sangat mahal"),
    N_("Cukup mahal"),
    N_("Murah"),
    N_("Gratis"),
    N_("Produk Spesifikasi Jenis Pelayanan"),
    N_("Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?"),  # noqa: E501
    N_("Kompetensi Pelaksana"),
    N_("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?"),
    N_("Tidak kompeten"),
    N_("Kurang kompeten"),
    N_("Kompeten"),
    N_("Sangat kompeten"),
    N_("Perilaku Pelaksana"),
    N_("Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?"),  # noqa: E501
    N_("Tidak sopan dan ramah"),
    N_("Kurang sopan dan ramah"),
    N_("Sopan dan ramah"),
    N_("Sangat sopan dan ramah"),
    N_("Penanganan Pengaduan, Saran dan Masukan"),
    N_("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?"),
    N_("Tidak ada"),
    N_("Ada tetapi tidak berfungsi"),
    N_("Berfungsi kurang maksimal"),
    N_("Dikelola dengan baik"),
    N_("Sarana dan Prasarana"),
    N_("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"),
    N_("Buruk"),
    N_("Cukup"),
    N_("Baik"),
    N_("Sangat baik"),
    N_("Jenis Kelamin"),
    N_("Laki-laki"),
    N_("Perempuan"),
    N_("Pendidikan Terakhir"),
    N_("SD ke bawah"),
    N_("SMP/sederajat"),
    N_("SMA/sederajat"),
    N_("Diploma (D1-D3)"),
    N_("S1/D4"),
    N_("S2"),
    N_("S3"),
    N_("Pekerjaan"),
    N_("PNS"),
    N_("TNI"),
    N_("POLRI"),
    N_("Pegawai Swasta"),
    N_("Wirausaha"),
    N_("Lainnya (sebutkan)"),
    N_("Usia"),
    N_("Di bawah 20 tahun"),
    N_("20-29 tahun"),
    N_("30-39 tahun"),
    N_("40-49 tahun"),
    N_("50-59 tahun"),
    N_("60 tahun ke atas"),
    N_("Jam Survei"),
    N_("08.00-12.00"),
    N_("13.00-17.00"),
    N_("Saran dan Masukan"),
)
# fmt: on
