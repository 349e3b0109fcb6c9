"""Shops and what they sell: shops and staff, shipping options, discount codes, products and variants with
their stock, product pictures, CSV import, and the public copies in the directory that buyers in every
region browse (with product tags on videos and creators' showcases)."""
