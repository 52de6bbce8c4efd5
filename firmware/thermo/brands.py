"""Which way the reversing valve is energized, by brand: the O/B helper.

The table of the wiring guide (shared/reference): most heat pumps energize
the valve in cooling (``O``), Bosch in heating (``B``), York varies by
product line. It is a starting point for the ``reversing_valve`` setting,
never proof: some older Rheem/Ruud units are ``B``, and what the house does
under the compressor (the commissioning test, :mod:`app.commission`)
outranks the table.

Data only; no rule of the control lives here.
"""

O_BRANDS = ("Carrier", "Bryant", "Trane", "American Standard", "Lennox", "Goodman", "Amana", "Daikin", "Rheem")
B_BRANDS = ("Bosch",)
VARIES = ("York",)
CAVEAT = ("some older Rheem/Ruud units are B; the commissioning test's verdict outranks this table")


def _plain(text):
    """Lower case, single spaces: "american  STANDARD " -> "american standard"."""
    return " ".join(str(text).lower().split())


def _find(brands, key):
    for brand in brands:
        if _plain(brand) == key:
            return brand
    return None


def ob_for(brand):
    """(``"O"``, ``"B"`` or None, one plain sentence) for a brand name."""
    key = _plain(brand)
    found = _find(O_BRANDS, key)
    if found is not None:
        extra = " (some older Rheem units are B)" if found == "Rheem" else ""
        return "O", "%s: O, the valve energized in cooling%s; %s" % (found, extra, CAVEAT.split("; ")[1])
    found = _find(B_BRANDS, key)
    if found is not None:
        return "B", "%s: B, the valve energized in heating; %s" % (found, CAVEAT.split("; ")[1])
    found = _find(VARIES, key)
    if found is not None:
        return None, "%s: varies by product line, check the data plate or the installation manual; %s" % (
            found, CAVEAT.split("; ")[1])
    if key == "ruud":
        return None, "Ruud: not in the table; %s" % CAVEAT
    return None, "%s: not in the table (O: %s; B: %s; varies: %s); %s" % (
        str(brand)[:40], ", ".join(O_BRANDS), ", ".join(B_BRANDS), ", ".join(VARIES), CAVEAT)


def table_lines():
    """The whole helper, a few lines for people."""
    return [
        "O (valve energized in cooling): " + ", ".join(O_BRANDS),
        "B (valve energized in heating): " + ", ".join(B_BRANDS),
        "varies by product line: " + ", ".join(VARIES),
        "note: " + CAVEAT + ".",
    ]
