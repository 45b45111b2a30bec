"""Action, block and view ids: named once here, never spelled twice."""

COMMAND = "/invoice2go"

# Home tab and messages
IMPORT_CLIENTS = "import_clients"
IMPORT_ITEMS = "import_items"
AUTO_IMPORT_ON = "auto_import_on"
AUTO_IMPORT_OFF = "auto_import_off"
CONNECT = "connect"
RECONNECT = "reconnect"
DISCONNECT = "disconnect"
SHOW_SKIPPED = "show_skipped"
SKIPPED_PAGE = "skipped_page"
DELETE_RECORD = "delete_record"
OPEN_LINK = "open_link"  # URL buttons: Slack still sends an action, which only needs an ack

# Views
SKIPPED_VIEW = "skipped_names"
WIZARD_VIEW = "connect_wizard"
