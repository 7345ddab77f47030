"""What each verb of an API name does: the first table of the policy (`policy.classify` reads it).

`deleteImageStore` -> verb "delete" (effect destroy); the effect selects the severity rule. Plugin
prefixes (`quotaTariffDelete`, `ldapRemove`) are read through: the verb follows or ends the name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NAMESPACES", "VERBS", "Verb"]


@dataclass(frozen=True, slots=True)
class Verb:
    """What an API's verb does; `effect` selects the severity rule in policy.py."""

    effect: str
    phrase: str  # present tense, for warnings ("Deletes", "Stops")


# effect -> rule (see policy._severity):
#   read      reads only                       destroy   removes the object (severity = object tier)
#   unlink    removes X from Y                 release   gives a resource back (IP lost / dedication ends)
#   revoke    revokes a rule or certificate    reset     replaces a credential or setting
#   rollback  overwrites current state         interrupt stops/reboots (severity = object outage)
#   maintain  maintenance/shutdown             suspend   disables/locks (outage)
#   resize    changes size/offering (outage)   move      migrates/moves (outage)
#   update    changes attributes               dedicate  reserves for one owner
#   create    adds something new               cancel    cancels a pending state
VERBS: dict[str, Verb] = {
    # read
    "list": Verb("read", "Lists"),
    "get": Verb("read", "Reads"),
    "query": Verb("read", "Reads"),
    "find": Verb("read", "Finds"),
    "search": Verb("read", "Searches"),
    "is": Verb("read", "Checks"),
    # remove
    "delete": Verb("destroy", "Deletes"),
    "destroy": Verb("destroy", "Destroys"),
    "expunge": Verb("destroy", "Expunges"),
    "purge": Verb("destroy", "Purges"),
    "remove": Verb("destroy", "Removes"),
    "detach": Verb("unlink", "Detaches"),
    "disassociate": Verb("release", "Releases"),
    "release": Verb("release", "Releases"),
    "revoke": Verb("revoke", "Revokes"),
    "reset": Verb("reset", "Resets"),
    "restore": Verb("rollback", "Restores"),
    "revert": Verb("rollback", "Reverts"),
    # interrupt
    "stop": Verb("interrupt", "Stops"),
    "reboot": Verb("interrupt", "Reboots"),
    "restart": Verb("interrupt", "Restarts"),
    "reconnect": Verb("interrupt", "Reconnects"),
    "prepare": Verb("maintain", "Prepares"),
    "trigger": Verb("maintain", "Triggers"),
    "declare": Verb("maintain", "Declares"),
    "disable": Verb("suspend", "Disables"),
    "lock": Verb("suspend", "Locks"),
    "suspend": Verb("suspend", "Suspends"),
    "unmanage": Verb("suspend", "Unmanages"),
    "migrate": Verb("move", "Migrates"),
    "move": Verb("move", "Moves"),
    "assign": Verb("create", "Assigns"),
    "scale": Verb("resize", "Scales"),
    "change": Verb("resize", "Changes"),
    "upgrade": Verb("resize", "Upgrades"),
    "resize": Verb("resize", "Resizes"),
    "patch": Verb("resize", "Patches"),
    "dedicate": Verb("dedicate", "Dedicates"),
    "cancel": Verb("cancel", "Cancels"),
    # change
    "update": Verb("update", "Updates"),
    "configure": Verb("update", "Configures"),
    "config": Verb("update", "Configures"),
    "replace": Verb("update", "Replaces"),
    "mark": Verb("update", "Marks"),
    "link": Verb("update", "Links"),
    "sync": Verb("update", "Synchronises"),
    "synchronize": Verb("update", "Synchronises"),
    "apply": Verb("update", "Applies"),
    "setup": Verb("update", "Sets up"),
    "execute": Verb("update", "Executes"),
    "archive": Verb("update", "Archives"),
    "clean": Verb("update", "Cleans"),
    "cleanup": Verb("update", "Cleans up"),
    # create / harmless actions
    "create": Verb("create", "Creates"),
    "add": Verb("create", "Adds"),
    "deploy": Verb("create", "Deploys"),
    "register": Verb("create", "Registers"),
    "import": Verb("create", "Imports"),
    "upload": Verb("create", "Uploads"),
    "copy": Verb("create", "Copies"),
    "associate": Verb("create", "Acquires"),
    "acquire": Verb("create", "Acquires"),
    "reserve": Verb("create", "Reserves"),
    "attach": Verb("create", "Attaches"),
    "authorize": Verb("create", "Authorizes"),
    "enable": Verb("create", "Enables"),
    "start": Verb("create", "Starts"),
    "recover": Verb("create", "Recovers"),
    "activate": Verb("create", "Activates"),
    "issue": Verb("create", "Issues"),
    "provision": Verb("create", "Provisions"),
    "generate": Verb("create", "Generates"),
    "extract": Verb("create", "Creates a download link for"),
    "download": Verb("create", "Creates a download link for"),
    "run": Verb("create", "Runs"),
    "notify": Verb("create", "Notifies"),
    "check": Verb("create", "Checks"),
    "validate": Verb("create", "Validates"),
    "verify": Verb("create", "Verifies"),
    "login": Verb("create", "Logs in"),
    "logout": Verb("create", "Logs out"),
    "oauthlogin": Verb("create", "Logs in"),
    "forgot": Verb("create", "Requests a reset of"),
}

# Prefixes that name a plugin rather than an action: the verb follows or ends the name
# (quotaTariffDelete, ldapRemove, cloudianSsoLogin).
NAMESPACES = frozenset({"quota", "ldap", "cloudian", "saml"})
