"""Commerce: shops, catalog, cart, checkout, orders, payments, the ledger and payouts.

    catalog/    shops, staff, shipping, discounts, products and variants, stock and its reservations,
                pictures, CSV import, the public copies in the directory, tags on videos, showcases
    cart/       the cart, the address book, attribution touches
    ledger/     the double-entry ledger of each region, payouts, statements
    orders/     payment outcomes, the lifecycle, returns, reviews, ledger postings, housekeeping, and a
                shop's reads of its orders wherever the buyers live
    checkout/   pricing, placing the orders (stock reserved), charging the payment
    payments/   the provider's webhooks, the sandbox's side doors

Each sub-package imports only those listed before it. Other domains import only `clipshop.shop.public`
(the pages and the composition root may import more).
"""
