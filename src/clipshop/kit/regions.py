"""The regions registry: names, their countries, and the home region of a new account."""

from __future__ import annotations

from dataclasses import dataclass

from clipshop.errors import Invalid


@dataclass(frozen=True)
class Regions:
    names: tuple[str, ...]
    by_country: dict[str, str]
    default: str

    @classmethod
    def from_mapping(cls, countries: dict[str, list[str]], *, default: str) -> Regions:
        by_country = {c.upper(): region for region, cs in countries.items() for c in cs}
        return cls(names=tuple(countries), by_country=by_country, default=default)

    def home_region(self, country: str) -> str:
        """The region that will hold an account from `country` (ISO 3166 alpha-2)."""
        code = country.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise Invalid("Give the country as a two-letter ISO code such as US, DE or AU.", field="country")
        return self.by_country.get(code, self.default)
