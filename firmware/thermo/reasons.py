"""Why a terminal is off (or held on): short codes, one table.

This module is the table and nothing else; the core does not import it.
The gate and the decision write the codes as string literals, which the
board keeps as interned strings: recording one costs the tick nothing, and
the table costs no RAM (a module of 24 named constants cost 2.3 KB of heap).
A host test checks that every code the core records is in this table. :meth:`thermo.control.Thermostat.held_reasons` gives them to people
(the board's log, ``make run``, ``tools/replay.py --explain``) as
``{terminal: code}``: the gate's code when the safety gate held back a
terminal that the decision wanted; otherwise, for a terminal that is off, the
decision's own code, so that a heat call with W2 off, or a pulled sensor
keeping everything off, says why.

===================  ========  ======================  ===============================================
code                 from      terminals               meaning
===================  ========  ======================  ===============================================
``single_stage``     gate      Y2                      compressor_stages is 1: no second stage wired
``no_backup``        gate      W2, E                   backup_heat is none: nothing wired to W2 or E
``not_emergency``    gate      E                       E runs only in mode emergency
``min_on``           gate      Y1 (held on)            rule 5: a run lasts min_on_s once started
``aux_min_on``       gate      W2 (held on)            electric strips, once on, run aux_min_on_s
                                                       unless a safety rule ends them
``rewiring``         gate      Y1, Y2, W2, E           reversing_valve, compressor_stages or
                                                       backup_heat changed: the call ends at once,
                                                       then every timer counts as after a boot
``mode_off``         gate      Y1, Y2, W2, E           rule 11: mode off
``indoor_sensor``    both      Y1, Y2, W2, E           rule 10: the indoor sensor has failed, no call
                                                       can be judged
``emergency``        both      Y1, Y2                  rule 1: emergency heat never runs the compressor
``valve_in_cool``    gate      Y1, Y2                  rule 7: the valve is still in the cool position
``cooling``          gate      W2, E                   rule 7: cooling never runs backup heat
``outdoor_lockout``  both      Y1, Y2                  rule 8: outdoor below compressor_min_outdoor_f
                                                       (dual fuel: below balance_point_f)
``aux_lockout``      gate      W2                      rule 9: outdoor above aux_max_outdoor_f
``dual_fuel``        gate      Y1, Y2, W2              rule 3: dual-fuel hand-over delay
``changeover``       gate      Y1, Y2, OB              rule 6: pressures equalize before the valve moves
``valve_moving``     gate      Y1, Y2                  rule 6: the valve moves this tick, Y1 follows
``min_off``          gate      Y1, Y2                  rule 4: anti-short-cycle after a stop or a boot
``max_starts``       gate      Y1, Y2                  rule 4: max_starts_per_hour used up
``aux_max_starts``   gate      W2                      aux_max_starts_per_hour electric W2 starts
                                                       used up in the last 60 minutes
``stage1_off``       gate      Y2                      rule 2: Y2 only with Y1
``wait_stage2``      decision  Y2                      Y2 waits for stage2_delta_f or stage2_delay_s
``wait_droop``       decision  W2                      backup heat waits for aux_droop_f or the
                                                       aux_delay_s upstage timer (or left at droop/2;
                                                       dual fuel: for a full min_on_s run that droops)
``wait_compressor``  decision  W2                      drooped, but the compressor, held by min_off
                                                       alone, starts first (no strips at every boot)
``duty_rest``        decision  W2                      time-proportioned strips (the heat pump alone
                                                       cannot hold): resting between two runs of
                                                       their duty
``recovery``         decision  W2                      smart recovery the heat pump makes on time:
                                                       no strips (ASHRAE 90.1 6.4.3.5)
``furnace_backup``   decision  Y1, Y2                  dual fuel: the furnace took over this call
``outdoor_sensor``   decision  Y1, Y2                  dual fuel with a failed outdoor sensor: the
                                                       furnace heats
===================  ========  ======================  ===============================================

"from" says who records the code: the gate (a rule held back a terminal the
decision wanted), the decision (the terminal is not asked for, and this is
why), or both (the same rule, seen by either).
"""
