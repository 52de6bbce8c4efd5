"""The reference house of ``docs/reference-house.md``, simulated in closed loop.

Physics lives here, on the desktop, never in ``firmware/``:

    house.py        two-node RC model (air + mass), integrated exactly
    equipment.py    heat pump, strips, furnace, blower: heat out, power in
    weather.py      the three weather days, alone or in a sequence
    schedules.py    constant and setback, for the simulator and the firmware
    controllers.py  firmware (in process), baseline, and any --interactive controller
    loop.py         closed-loop days: one after warm-up days, or a sequence from a cold start
    kpis.py         the reference document's figures, by their definitions
    plot.py         one page: temperatures, setpoint, terminal timelines
"""
