"""Config lint: settings that each pass the schema but contradict each other
(or the board file), found before they run.

:func:`check` takes a whole validated settings dict (every key, as
:func:`thermo.schema.validate` returns it) and, where a rule needs it, the
terminals the board file wires (app.config.terminals_of; None when no board is known:
the replay, a host). It returns findings ``(level, code, keys, text)``, each
shown as one line by :func:`line`, keys first, as every refusal is::

    backup_heat, fan_with_backup: warning strips_without_blower: electric strips ...

The same function runs at boot (app.files), in `make deploy` (tools/deploy.py,
before anything is sent), on a settings save (web page, API, REPL) and in
tools/replay.py. A ``refuse`` finding is raised by :func:`refuse` as a
:class:`SettingError`, so it travels the path an out-of-range value takes:
nothing saved, nothing applied, no relay moves. The board loads this module
only for a check and drops it after (app.config.lint): its 8 KB of rules
and words are not kept in a heap that has no room for them.
A ``warn`` finding is applied and shown (boot log, deploy output, web page,
replay's stderr).

How the level is chosen. *Refuse* only when the settings describe equipment
the board cannot drive: a terminal the config needs has no pin in the board
file. The core would report that terminal on (status, MQTT, reasons) while
no relay exists, and the fix is one setting or one board-file line.
*Warn* when the firmware still does something safe and defined, but not
what one of the settings says, or what the equipment most likely needs:
the installer may have a reason (equipment that runs its own blower, an
equipment lockout on a heat pump without backup), and refusing would leave
the board on defaults at boot, which can be worse than the config.

The rules, read against the schema's meanings (thermo/meanings.py):

- ``y2_unwired`` (refuse): ``compressor_stages`` 2, no Y2 pin: stage 2
  would be called and nothing would run it.
- ``w2_unwired`` (refuse): backup heat configured, no W2 pin: strips or a
  furnace that can never be energized.
- ``e_unwired`` (refuse): ``em_heat_w2`` false, backup configured, no E
  pin: emergency heat would energize no terminal at all.
- ``furnace_with_blower`` (warn): dual fuel with ``fan_with_backup`` true
  drives the furnace as strips: G with W makes the furnace's blower start
  at once at the fan speed, cold air first, and on some boards too little
  air over the heat exchanger (limit trips). A furnace runs its own blower.
- ``furnace_not_in_emergency`` (warn): dual fuel with ``em_heat_w2`` false:
  emergency heat energizes E alone, and a dual-fuel system's backup is the
  furnace on W2, so emergency heat heats nothing unless E is wired to it.
  (Dual fuel with ``em_heat_w2`` true, the default, is right: emergency is
  the furnace alone, the compressor off; it is not flagged.)
- ``strips_without_blower`` (warn): electric strips with ``fan_with_backup``
  false heat without G: strips need the blower, unless the air handler
  starts its own with W2 (some do: hence not refused).
- ``aux_lockout_below_compressor_lockout`` (warn): electric,
  ``aux_max_outdoor_f`` below ``compressor_min_outdoor_f``: between the two
  neither source is allowed by its own lockout; rule 9's exception (strips
  when the compressor is locked out) fills the gap, so strips run alone
  above the aux lockout that was set. Equal values leave no gap.
- ``no_heat_below_compressor_lockout`` (warn): no backup heat and a
  compressor lockout: below it heat mode runs nothing at all.
- ``balance_point_above_aux_lockout`` (warn): dual fuel, ``balance_point_f``
  above ``aux_max_outdoor_f``. With dual fuel the aux lockout does not act
  (the furnace is not strips; balance_point_f alone decides), so a furnace
  meant to be locked out above the aux lockout runs up to the balance
  point. With electric strips ``balance_point_f`` does not act at all, so
  the comparison means nothing there and is not made (a lowered aux
  lockout with the default balance point is a normal electric config).
- ``compressor_lockout_above_balance_point`` (warn): dual fuel,
  ``compressor_min_outdoor_f`` above ``balance_point_f``: the switch-over
  happens at the compressor lockout, not at the balance point set.
- ``gas_price_with_electric`` (warn): a gas price with electric backup: the
  seed's "dual-fuel system configured as electric"; a furnace driven as
  strips runs with the compressor, which dual fuel never allows.
- ``droop_within_differential`` (warn): ``aux_droop_f`` at or below
  ``heat_differential_f``: every heat call starts at the droop, so backup
  heat joins every call.
- ``stage2_within_differential`` (warn): two stages with ``stage2_delta_f``
  at or below a differential: every call of that direction starts at stage 2.

No rule trips on the factory defaults, tools/sim/reference-installer.json or
any scenario under host_tests/scenarios (host_tests/test_lint.py).
"""

from thermo.values import SettingError, show, tenths

REFUSE = "refuse"
WARN = "warn"
_WORDS = {REFUSE: "refused", WARN: "warning"}


def line(finding):
    """One finding as one line: its keys, its level and code, the text."""
    level, code, keys, text = finding
    return "%s: %s %s: %s" % (", ".join(keys), _WORDS[level], code, text)


def lines(findings):
    return [line(finding) for finding in findings]


def warnings(findings):
    return [finding for finding in findings if finding[0] == WARN]


def refuse(findings):
    """Raise the first refuse-level finding as a SettingError whose ``key``
    is its first key (the field a page marks)."""
    for finding in findings:
        if finding[0] == REFUSE:
            level, code, keys, text = finding
            error = SettingError(", ".join(keys), "%s %s: %s" % (_WORDS[level], code, text))
            error.key = keys[0]
            raise error


def _f(value):
    return show(value) + " °F"


def check(values, terminals=None):
    """Every finding for these validated settings (and the board's wired
    ``terminals``, a tuple of names, when known), refusals first."""
    found = []
    backup = values["backup_heat"]
    dual = backup == "dual_fuel"
    electric = backup == "electric"
    fan = values["fan_with_backup"]
    em_w2 = values["em_heat_w2"]
    two_stage = values["compressor_stages"] == 2
    aux_max = values["aux_max_outdoor_f"]
    floor = values["compressor_min_outdoor_f"]
    balance = values["balance_point_f"]

    if terminals is not None:
        if two_stage and "Y2" not in terminals:
            found.append((REFUSE, "y2_unwired", ("compressor_stages", "terminals.Y2"),
                          "2 stages are configured but the board file wires no Y2 relay; set compressor_stages "
                          "to 1 or give Y2 a pin in the board file"))
        if backup != "none" and "W2" not in terminals:
            found.append((REFUSE, "w2_unwired", ("backup_heat", "terminals.W2"),
                          "%s backup heat is configured but the board file wires no W2 relay; set backup_heat "
                          'to "none" or give W2 a pin in the board file' % show(backup)))
        if backup != "none" and not em_w2 and "E" not in terminals:
            found.append((REFUSE, "e_unwired", ("em_heat_w2", "backup_heat", "terminals.E"),
                          "emergency heat would energize E alone and the board file wires no E relay: it would "
                          "heat with nothing; set em_heat_w2 to true or give E a pin in the board file"))

    if dual and fan is True:
        found.append((WARN, "furnace_with_blower", ("backup_heat", "fan_with_backup"),
                      "dual fuel with fan_with_backup true drives the furnace as strips (G with W: its blower "
                      "starts cold, at the fan speed); a furnace runs its own blower: set fan_with_backup to "
                      "null or false"))
    if dual and not em_w2:
        found.append((WARN, "furnace_not_in_emergency", ("backup_heat", "em_heat_w2"),
                      "dual fuel with em_heat_w2 false: emergency heat energizes E alone, and the furnace is on "
                      "W2; unless E is wired to the furnace, emergency heat heats nothing: set em_heat_w2 to true"))
    if electric and fan is False:
        found.append((WARN, "strips_without_blower", ("backup_heat", "fan_with_backup"),
                      "electric strips with fan_with_backup false heat without the blower (G), unless the air "
                      "handler starts its own with W2; set fan_with_backup to null or true"))
    if electric and floor is not None and tenths(aux_max) < tenths(floor):
        found.append((WARN, "aux_lockout_below_compressor_lockout", ("aux_max_outdoor_f", "compressor_min_outdoor_f"),
                      "strips are locked out above %s and the compressor below %s: between the two the strips "
                      "heat alone (the compressor is locked out), above the aux lockout you set; raise "
                      "aux_max_outdoor_f to at least %s" % (_f(aux_max), _f(floor), _f(floor))))
    if backup == "none" and floor is not None:
        found.append((WARN, "no_heat_below_compressor_lockout", ("backup_heat", "compressor_min_outdoor_f"),
                      "no backup heat and the compressor locked out below %s: heat mode heats nothing below it"
                      % _f(floor)))
    if dual and tenths(balance) > tenths(aux_max):
        found.append((WARN, "balance_point_above_aux_lockout", ("balance_point_f", "aux_max_outdoor_f"),
                      "dual fuel: aux_max_outdoor_f (%s) does not lock out a furnace; below balance_point_f (%s) "
                      "the furnace heats alone; set aux_max_outdoor_f to at least %s to say so"
                      % (_f(aux_max), _f(balance), _f(balance))))
    if dual and floor is not None and tenths(floor) > tenths(balance):
        found.append((WARN, "compressor_lockout_above_balance_point", ("compressor_min_outdoor_f", "balance_point_f"),
                      "dual fuel: the compressor is locked out below %s, above balance_point_f %s: the furnace "
                      "takes over at %s, not at the balance point" % (_f(floor), _f(balance), _f(floor))))
    if electric and values["gas_price_cents_per_therm"] is not None:
        found.append((WARN, "gas_price_with_electric", ("backup_heat", "gas_price_cents_per_therm"),
                      "a gas price with electric backup heat: if W2 drives a gas furnace, set backup_heat to "
                      '"dual_fuel" (run as strips, a furnace would fire with the compressor running)'))
    if backup != "none" and tenths(values["aux_droop_f"]) <= tenths(values["heat_differential_f"]):
        found.append((WARN, "droop_within_differential", ("aux_droop_f", "heat_differential_f"),
                      "aux_droop_f %s is not above heat_differential_f %s: every heat call starts at the droop, "
                      "so backup heat joins every call; make aux_droop_f larger"
                      % (_f(values["aux_droop_f"]), _f(values["heat_differential_f"]))))
    if two_stage:
        for key in ("heat_differential_f", "cool_differential_f"):
            if tenths(values["stage2_delta_f"]) <= tenths(values[key]):
                found.append((WARN, "stage2_within_differential", ("stage2_delta_f", key),
                              "stage2_delta_f %s is not above %s %s: every %s call starts at stage 2; make "
                              "stage2_delta_f larger" % (_f(values["stage2_delta_f"]), key, _f(values[key]),
                                                         key[:4])))
    return found
