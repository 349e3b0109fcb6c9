"""Payments behind the provider port (`kit.ports.PaymentProvider`): the webhook receiver that turns provider
events into payment and order state, once per event, and the sandbox processor's side doors (delivering
its webhooks, its bank's authentication step)."""
