"""Operating the box: `mpp doctor`, the systemd watchdog, the TLS client set-up, the demo."""
