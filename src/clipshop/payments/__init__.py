"""Payment providers: adapters of `kit.ports.PaymentProvider` (the built-in sandbox card processor)."""
