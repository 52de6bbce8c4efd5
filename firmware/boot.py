# Runs first at every reset, soft reset included. Its one job: every relay
# pin to its OFF level before anything else happens (contract rule 12). It
# must always return, so nothing here may raise.
try:
    from board import early

    early.all_off()
except Exception as exc:
    print("boot.py:", repr(exc))
