"""The buyer's side before checkout, all in the buyer's home region: one cart across shops, the address
book, and attribution touches (which creator's video or showcase led to a product)."""
