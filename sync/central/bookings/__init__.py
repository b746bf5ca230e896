"""Central's bookings (SPEC §8): slots on offer, booking and cancelling without overbooking,
the site's signing keys, the per-site outbox down the wire, check-ins projected from the events,
and the figures. Tables: `sync.central.booking_models`."""
