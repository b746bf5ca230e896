"""The MPP queue appliance core: domain rules, storage, hardware drivers and wiring."""

__version__ = "0.1.0"
