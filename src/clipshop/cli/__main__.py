"""`python -m clipshop.cli`: the same as the `clipshop` command."""

from clipshop.cli import main

main()
