"""What the board keeps on flash besides its board file: the installer
settings and device options (``settings.json``), the user's state
(``state.json``) and a config sent by `make deploy CONFIG=...`
(``config.import.json``), each read bounded and checked whole.

A settings change (:meth:`Files.change_settings`) is checked whole, saved,
then applied. Problems become alerts through the ``alerts`` object given
(:class:`app.report.Report`), never exceptions at boot.

Every check includes the config lint (:mod:`thermo.lint`) against the
terminals the board file wires: a refuse-level finding is refused as a bad
value is (the import dropped, a stored file replaced by defaults with its
alert, a change not saved); each warning is logged as one line, at boot and
at every settings change.
"""

from app import config
from app.age import Backoff
from app.console import log
from app.store import Store
from thermo.schema import SettingError

SETTINGS_FILE = "settings.json"
STATE_FILE = "state.json"
IMPORT_FILE = "config.import.json"
# The import file while it is being read: found at boot, it crashed the board.
IMPORT_BUSY_FILE = "config.import.json.busy"


class Files:
    def __init__(self, flash, alerts, terminals=None):
        self.flash = flash
        self.alerts = alerts
        self.terminals = terminals  # the names the board file wires (app.config.terminals_of); None: unknown
        self.settings_store = Store(SETTINGS_FILE, flash)
        self.state_store = Store(STATE_FILE, flash)
        # The user state last saved (or loaded): mode, fan and setpoints,
        # compared at every tick field by field, so that no tuple is built.
        self.saved_mode = self.saved_fan = self.saved_heat_dF = self.saved_cool_dF = None
        self.state_unsaved = False
        self.state_retry = Backoff()

    # -- settings.json and its import --------------------------------------

    def import_config(self):
        """A config copied by `make deploy CONFIG=...` becomes the stored
        settings if :func:`app.config.parse` accepts it; either way the
        import file goes. It is renamed aside while it is read, so one that
        crashes the board (too large for the heap) is dropped at the next
        boot instead of crashing every boot."""
        flash = self.flash
        if flash.read(IMPORT_BUSY_FILE, 0) is not None:
            flash.remove(IMPORT_BUSY_FILE)
            self.alerts.alert("config_import", "%s crashed the board while it was read: dropped, stored settings kept"
                              % IMPORT_FILE)
        if flash.read(IMPORT_FILE, 0) is None:
            return
        try:
            flash.rename(IMPORT_FILE, IMPORT_BUSY_FILE)
            text = flash.read(IMPORT_BUSY_FILE, config.MAX_CONFIG_BYTES)
            if text is None or len(text) > config.MAX_CONFIG_BYTES:
                raise SettingError(IMPORT_FILE, "larger than %d bytes (allowed: at most %d)" % (
                    config.MAX_CONFIG_BYTES, config.MAX_CONFIG_BYTES))
            settings, options = config.parse(text, self.terminals)
            self.settings_store.save({"settings": settings, "device": options})
            log("config imported from %s" % IMPORT_FILE)
        except SettingError as exc:
            message = str(exc)
            if not message.startswith(IMPORT_FILE):
                message = "%s: %s" % (IMPORT_FILE, message)
            self.alerts.alert("config_import", "%s (stored settings kept)" % message)
        except OSError as exc:
            self.alerts.alert("config_import", "%s: %s (stored settings kept)" % (IMPORT_FILE, exc))
        flash.remove(IMPORT_FILE)
        flash.remove(IMPORT_BUSY_FILE)

    def load_config(self):
        """(settings, options) to run with: the import first, then the stored
        document; defaults, with an alert, if it is missing or invalid."""
        self.import_config()
        data, status = self.settings_store.load()
        if data is None:
            self.alerts.alert("settings_file", "%s %s: defaults in use" % (SETTINGS_FILE, status))
            return self.defaults()
        try:
            settings, options = config.check(data, self.terminals)
        except SettingError as exc:
            self.alerts.alert("settings_file", "%s invalid (%s): defaults in use" % (SETTINGS_FILE, exc))
            return self.defaults()
        self.log_findings(settings)
        return settings, options

    def defaults(self):
        """(settings, options) at their defaults: what runs when the stored
        ones cannot. Nothing is left to fall back on, so a lint finding on
        the defaults themselves (a board file without W2) is logged, never
        refused."""
        self.log_findings({})
        return {}, config.check({})[1]

    def log_findings(self, settings):
        """One log line per lint finding of the settings in use."""
        for finding in config.lint(settings, self.terminals):
            log("config: " + finding[3])

    def settings_with(self, settings=None, options=None):
        """The stored document with these changes, checked whole:
        (document, its settings, its options with defaults filled in).
        SettingError names the first bad field, stored or new."""
        data, _status = self.settings_store.load()
        stored = data if isinstance(data, dict) else {}
        document = {}
        for section, changes in (("settings", settings), ("device", options)):
            merged = stored.get(section)
            merged = dict(merged) if isinstance(merged, dict) else {}
            merged.update(changes or {})
            document[section] = merged
        new_settings, new_options = config.check(document, self.terminals)
        return document, new_settings, new_options

    def save_settings(self, document):
        """Store a checked document (OSError if the flash refuses it)."""
        self.settings_store.save(document)
        self.alerts.clear_alert("settings_file")  # what is stored now has been checked

    def change_settings(self, thermostat, settings=None, options=None):
        """Change installer settings and/or device options: the stored
        document with the changes is checked whole (by app.config and by the
        core, against the user's setpoints), saved, then applied to the
        core; returns the new device options. Refused (SettingError, a lint
        refusal included) or not saved (OSError): nothing changes. The
        lint's warnings are logged, one line each."""
        document, new_settings, new_options = self.settings_with(settings, options)
        thermostat.check_settings(new_settings)
        self.save_settings(document)
        thermostat.apply_settings(new_settings)
        self.log_findings(new_settings)
        return new_options

    # -- state.json ------------------------------------------------------------

    def load_state(self):
        """The user state saved before the reset, or None."""
        data, status = self.state_store.load()
        if data is None:
            if status != "missing":
                self.alerts.alert("state_file", "%s %s: mode off, default setpoints" % (STATE_FILE, status))
            return None
        return data if isinstance(data, dict) else None

    def mark_saved(self, thermostat):
        """The thermostat's user state is what the flash holds."""
        self.saved_mode = thermostat.mode
        self.saved_fan = thermostat.fan
        self.saved_heat_dF = thermostat.heat_setpoint_dF
        self.saved_cool_dF = thermostat.cool_setpoint_dF

    def state_changed(self, thermostat):
        """Whether mode, fan or a setpoint differs from the saved state."""
        return (thermostat.mode != self.saved_mode or thermostat.fan != self.saved_fan
                or thermostat.heat_setpoint_dF != self.saved_heat_dF
                or thermostat.cool_setpoint_dF != self.saved_cool_dF)

    def save_state(self, thermostat, y1_started):
        """Save user state when it changed (and the start history at each
        compressor start). A failing flash is retried after a minute, then
        twice as long each time up to an hour, with an alert: a flash that
        fails is not worn out by a write every tick."""
        if y1_started or self.state_changed(thermostat):
            self.state_unsaved = True
        if not self.state_unsaved or not self.state_retry.ready():
            return
        try:
            self.state_store.save(thermostat.retained())
        except OSError as exc:
            wait_ms = self.state_retry.failed()
            self.alerts.alert("state_write", "%s not saved (%s); next try in %d s" % (STATE_FILE, exc, wait_ms // 1000))
            return
        self.state_unsaved = False
        self.mark_saved(thermostat)
        self.state_retry.succeeded()
        self.alerts.clear_alert("state_write")
