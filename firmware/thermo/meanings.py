"""What each installer setting means, for people: the README's settings
table (tools/settings_table.py) and help text. Kept apart from
:mod:`thermo.schema` so that a board, which never shows them, does not hold
them in RAM (2 KB); a host test checks that every setting has one.
"""

MEANINGS = {
    "reversing_valve":
        "O: valve energized in cool; B: energized in heat",
    "compressor_stages":
        "compressor stages wired (Y2 used only with 2)",
    "backup_heat":
        "what W2 drives: electric strips, a furnace (dual fuel), or nothing",
    "heat_differential_f":
        "heat call starts at setpoint - differential, ends at setpoint",
    "cool_differential_f":
        "cool call starts at setpoint + differential, ends at setpoint",
    "min_off_s":
        "Y1 stays off this long after it turns off, and after every boot",
    "min_on_s":
        "Y1 stays on at least this long unless a safety rule ends the call",
    "max_starts_per_hour":
        "at most this many Y1 starts in any 60 minutes",
    "cycle_overshoot_f":
        "a compressor call ends this far past setpoint (0: at setpoint), for fewer, longer cycles inside the comfort band",
    "stage2_delta_f":
        "Y2 joins when indoor is this far from setpoint (2-stage only)",
    "stage2_delay_s":
        "Y2 joins after Y1 has run this long in one call; 0 disables the timer",
    "aux_droop_f":
        "electric W2 joins when indoor <= heat setpoint - droop",
    "aux_delay_s":
        "electric W2 joins after the compressor has run this long in one heat call; 0 disables the timer",
    "aux_min_on_s":
        "electric W2, once on, stays on at least this long unless a safety rule ends it (sequencers and "
        "contactors are not made to chatter); 0: no minimum",
    "aux_max_starts_per_hour":
        "at most this many electric W2 starts in any 60 minutes (the backup-heat cycle rate)",
    "aux_max_outdoor_f":
        "electric W2 locked out when outdoor is above this",
    "compressor_min_outdoor_f":
        "compressor locked out below this outdoor temperature; null: never",
    "balance_point_f":
        "dual fuel: furnace below, heat pump above",
    "dual_fuel_switch_delay_s":
        "dual fuel: W2 and Y1 both off at least this long at a hand-over",
    "changeover_delay_s":
        "compressor off this long before the reversing valve changes direction",
    "auto_deadband_f":
        "auto: cool setpoint - heat setpoint must be at least this",
    "em_heat_w2":
        "emergency heat energizes W2 together with E",
    "fan_with_backup":
        "G runs with W2 and E; null: true for electric, false for dual fuel",
    "circulate_min_per_hour":
        "fan circulate: G runs at least this many minutes each hour",
    "sensor_timeout_s":
        "a sensor with no valid reading this long is failed",
    "indoor_offset_f":
        "calibration offset added to indoor readings",
    "outdoor_offset_f":
        "calibration offset added to outdoor readings",
    "schedule":
        "weekly setpoints: a list of {\"days\", \"at\", \"heat_setpoint_f\", \"cool_setpoint_f\"}; null: none",
    "smart_recovery":
        "heat early enough to reach the next scheduled setpoint on time, without strips if the heat pump can make it",
    "electricity_price_cents_per_kwh":
        "your electricity price, for the dual-fuel lockout the thermostat suggests (never applied by itself)",
    "gas_price_cents_per_therm":
        "your gas price, for the dual-fuel lockout the thermostat suggests (never applied by itself)",
}
