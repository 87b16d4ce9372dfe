"""What a simulated shop sells and where its buyers live: static seed data, no randomness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TaxRate:
    title: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Region:
    """A place buyers ship to, with the tax jurisdictions that apply there."""

    country: str
    country_code: str
    province: str  # "" where Shopify has no provinces for the country
    province_code: str
    city: str
    zip: str
    street: str
    taxes: tuple[TaxRate, ...]


@dataclass(frozen=True, slots=True)
class LocationSpec:
    name: str
    city: str
    province_code: str
    country_code: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class ShopProfile:
    """A shop's currency, time zone, tax regime and geography."""

    name: str
    currency: str
    utc_offset: timedelta
    taxes_included: bool
    regions: tuple[Region, ...]
    presentment_rates: dict[str, Decimal]
    locations: tuple[LocationSpec, ...]


@dataclass(frozen=True, slots=True)
class VariantSpec:
    title: str
    sku: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class ProductSpec:
    title: str
    vendor: str
    product_type: str
    variants: tuple[VariantSpec, ...]
    grams: int = 250
    requires_shipping: bool = True
    taxable: bool = True
    gift_card: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str | None


def _rate(title: str, rate: str) -> TaxRate:
    return TaxRate(title, Decimal(rate))


def _variants(*rows: tuple[str, str, str]) -> tuple[VariantSpec, ...]:
    return tuple(VariantSpec(title, sku, Decimal(price)) for title, sku, price in rows)


QUEBEC = ShopProfile(
    name="Maison Boréale",
    currency="CAD",
    utc_offset=timedelta(hours=-4),
    taxes_included=False,
    regions=(
        Region(
            "Canada",
            "CA",
            "Quebec",
            "QC",
            "Montréal",
            "H2J 2L1",
            "4520 rue Saint-Denis",
            (_rate("GST", "0.05"), _rate("QST", "0.09975")),
        ),
        Region("Canada", "CA", "Ontario", "ON", "Toronto", "M5V 2T6", "88 Queen St W", (_rate("HST", "0.13"),)),
        Region(
            "Canada",
            "CA",
            "British Columbia",
            "BC",
            "Vancouver",
            "V6B 1A1",
            "1055 Homer St",
            (_rate("GST", "0.05"), _rate("PST", "0.07")),
        ),
        Region("Canada", "CA", "Alberta", "AB", "Calgary", "T2P 1J9", "310 8 Ave SW", (_rate("GST", "0.05"),)),
    ),
    presentment_rates={"CAD": Decimal(1), "USD": Decimal("0.73"), "JPY": Decimal("108.5")},
    locations=(
        LocationSpec("Entrepôt Montréal", "Montréal", "QC", "CA"),
        LocationSpec("Toronto DC", "Toronto", "ON", "CA"),
        LocationSpec("Boutique Plateau", "Montréal", "QC", "CA"),
        LocationSpec("Ancien entrepôt Laval", "Laval", "QC", "CA", active=False),
    ),
)

BERLIN = ShopProfile(
    name="Nordlicht Manufaktur",
    currency="EUR",
    utc_offset=timedelta(hours=2),
    taxes_included=True,
    regions=(
        Region("Germany", "DE", "", "", "Berlin", "10435", "Kastanienallee 12", (_rate("MwSt", "0.19"),)),
        Region("France", "FR", "", "", "Paris", "75011", "17 rue Oberkampf", (_rate("TVA", "0.2"),)),
        Region("Austria", "AT", "", "", "Wien", "1070", "Neubaugasse 8", (_rate("USt", "0.2"),)),
        Region("Netherlands", "NL", "", "", "Amsterdam", "1015 CJ", "Prinsengracht 263", (_rate("btw", "0.21"),)),
    ),
    presentment_rates={"EUR": Decimal(1), "JPY": Decimal("162"), "GBP": Decimal("0.85")},
    locations=(
        LocationSpec("Lager Berlin", "Berlin", "BE", "DE"),
        LocationSpec("Lager Leipzig", "Leipzig", "SN", "DE"),
        LocationSpec("Laden Prenzlauer Berg", "Berlin", "BE", "DE"),
        LocationSpec("Altes Lager Potsdam", "Potsdam", "BB", "DE", active=False),
    ),
)

PROFILES = {"quebec": QUEBEC, "berlin": BERLIN}

PRODUCTS = (
    ProductSpec(
        "Tuque en laine mérinos",
        "Maison Boréale",
        "Chapeaux",
        _variants(
            ("Marine", "TUQ-MER-NAV", "34.00"), ("Charbon", "TUQ-MER-CHA", "34.00"), ("Crème", "TUQ-MER-CRM", "36.00")
        ),
        grams=120,
    ),
    ProductSpec(
        "Mitaines doublées",
        "Maison Boréale",
        "Gants",
        _variants(("S", "MIT-DBL-S", "42.50"), ("M", "MIT-DBL-M", "42.50"), ("L", "MIT-DBL-L", "44.50")),
    ),
    ProductSpec(
        "Bougie Crème Brûlée",
        "Atelier Lueur",
        "Bougies",
        _variants(("200 g", "CND-CRB-200", "18.00"), ("400 g", "CND-CRB-400", "29.00")),
        grams=400,
    ),
    ProductSpec(
        "Café torréfié — Mélange Nord",
        "Brûlerie du Nord",
        "Café",
        _variants(("340 g", "COF-NRD-340", "16.75"), ("1 kg", "COF-NRD-1KG", "39.90")),
        grams=1000,
    ),
    ProductSpec(
        "Carnet en cuir — Ōkami",
        "Papeterie Ōkami",
        "Papeterie",
        _variants(("A5", "NTB-OKM-A5", "27.99"), ("A6", "NTB-OKM-A6", "21.99")),
    ),
    ProductSpec("Thé vert Sencha 緑茶", "Maison du Thé", "Thé", _variants(("100 g", "TEA-SEN-100", "12.49"))),
    ProductSpec(
        "Couverture en laine « Nordique »",
        "Maison Boréale",
        "Literie",
        _variants(("Queen", "BLK-NRD-QN", "189.00"), ("King", "BLK-NRD-KG", "229.00")),
        grams=2400,
    ),
    ProductSpec(
        "Tasse émaillée",
        "Atelier Lueur",
        "Cuisine",
        _variants(("Blanc", "MUG-EMA-WHT", "21.00"), ("Bleu", "MUG-EMA-BLU", "21.00")),
    ),
    ProductSpec(
        "Chaussettes de laine (3 paires)",
        "Maison Boréale",
        "Chaussettes",
        _variants(("M", "SOX-WL3-M", "24.00"), ("L", "SOX-WL3-L", "24.00")),
        grams=200,
    ),
    ProductSpec(
        "Sirop d'érable ambré 500 ml",
        "Érablière Gagnon",
        "Épicerie",
        _variants(("Default Title", "MPL-AMB-500", "14.95")),
        grams=700,
    ),
    ProductSpec(
        "Patron de tricot (PDF)",
        "Maison Boréale",
        "Numérique",
        _variants(("Default Title", "DIG-PAT-001", "9.00")),
        grams=0,
        requires_shipping=False,
    ),
    ProductSpec(
        "Carte-cadeau",
        "Maison Boréale",
        "Carte-cadeau",
        _variants(("25 $", "GC-025", "25.00"), ("50 $", "GC-050", "50.00"), ("100 $", "GC-100", "100.00")),
        grams=0,
        requires_shipping=False,
        taxable=False,
        gift_card=True,
    ),
)

PEOPLE = (
    Person("Zoë", "Tremblay", "zoe.tremblay@example.com", "+15145550101"),
    Person("François", "Lefèvre", "f.lefevre@example.com", None),
    Person("太郎", "山田", "taro.yamada@example.jp", "+81312345678"),
    Person("Øyvind", "Ølstad", "oyvind@example.no", "+4722334455"),
    Person("José", "Álvarez-Núñez", "jose.alvarez@example.es", None),
    Person("Siobhán", "O'Connor", "siobhan.oconnor@example.ie", "+35315550199"),
    Person("Amélie", "Côté", "amelie.cote@example.ca", "+14185550123"),
    Person("Jürgen", "Weiß", "juergen.weiss@example.de", "+493012345678"),
    Person("Chloé", "Nguyễn", "chloe.nguyen@example.com", None),
    Person("Mohammed", "Al-Farsi", "m.alfarsi@example.com", "+97150555012"),
)

NOTES = (
    "Merci! 🎁 Livrer après 17 h, s.v.p.",
    "Bitte nicht klingeln —\nPaket beim Nachbarn (Müller) abgeben.",
    "ギフト包装をお願いします。",
    "C'est un cadeau : pas de facture dans le colis.\nMerci beaucoup 😊",
    "Deliver to the side door. " * 40,
)

TAGS = ("", "", "", "VIP", "wholesale, rush", "retour-client", "Première commande")
