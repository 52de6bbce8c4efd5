"""Each core and detector alert in a plain sentence, with the fix where there is one.

The web page and JSON API (``"advice"``) and tools/run.py show these; the
screen has its short words (app/screen.py's ALERT_WORDS). Imported only
while an alert stands, so a healthy board does not hold the text.
"""

ADVICE = {
    "indoor_sensor": "indoor sensor failed or missing",
    "outdoor_sensor": "outdoor sensor failed or missing: outdoor lockouts off",
    "short_cycle_blocked": "a compressor start is held back by max_starts_per_hour",
    "ob_reversed": "heats in cool mode / cools in heat mode: the O/B setting is probably reversed. Set "
                   "reversing_valve to B (or O) and confirm with the commissioning test",
    "valve_stuck": "the heat pump moves the house the wrong way in one mode only, right in the other: the "
                   "reversing valve is probably stuck (O/B setting and wire are right). Call a technician",
    "compressor_dead": "heat pump not responding: its runs add nothing to the idle drift, or the strips have to "
                       "carry the whole house beside it. Check the outdoor unit's breaker and disconnect, and the "
                       "Y1 wire at both ends (a window left open in the cold looks the same)",
    "aux_overuse": "the strips ran at 40 °F outdoors or warmer, where the heat pump carries any house it was sized "
                   "for: check the outdoor unit, and the aux settings (aux_max_outdoor_f, aux_droop_f)",
    "heat_not_responding": "heating is not keeping up: two hours of heat call 2 °F or more below the setpoint and "
                           "the house has not warmed. Check the outdoor unit and the strips' (or furnace's) "
                           "breakers; the other alerts name the part when one was seen adding nothing",
    "compressor_tripping": "the compressor stops itself in the middle of calls (the house swings from rising to "
                           "falling while Y stays on): a pressure or overload switch is tripping. Check the outdoor "
                           "coil and fan, and the capacitor; call a technician",
    "w2_open": "strips (or furnace) on without the added rise: the W2 wire is probably open. Check W2 at the "
               "thermostat and at the air handler board, and the sequencer",
    "y2_open": "stage 2 adds nothing to stage 1: Y2 is probably not connected. Check Y2 at the thermostat, the "
               "air handler and the outdoor unit's board",
    "low_charge": "the compressor runs 1.4 times the share of the time it used to at this outdoor temperature: "
                  "refrigerant loss is likely. Call a technician",
}
