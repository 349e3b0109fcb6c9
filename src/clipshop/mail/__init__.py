"""Mail transports: SMTP, and a folder of .eml files for the embedded default (shown at /dev/mail)."""
