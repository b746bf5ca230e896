"""Bookings made on central (SPEC §8): the code a citizen reads out, the signed token in the QR."""
