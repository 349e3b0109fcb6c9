"""Checkout: one buyer, one payment, one order per shop. Pricing (a quote is exactly what will be charged),
placing the orders with their stock reserved, and charging the payment."""
