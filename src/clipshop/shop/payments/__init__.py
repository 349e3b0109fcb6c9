"""Payments behind the provider port (`kit.ports.PaymentProvider`): the sandbox processor and the webhook
receiver that turns provider events into payment and order state, once per event."""
