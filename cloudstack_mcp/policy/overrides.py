"""Where the name rules are wrong or not enough: API name -> the policy fields to set, each with its reason
in the warning. Read by `policy.classify` after the verb and object rules."""

from __future__ import annotations

from cloudstack_mcp.severity import Severity as Sev

__all__ = ["OVERRIDES"]

_L, _M, _H, _C = Sev.LOW, Sev.MEDIUM, Sev.HIGH, Sev.CRITICAL

# Where the rules are wrong or not enough: API name -> fields to set (severity as Sev, kind, reversible, warning).
OVERRIDES: dict[str, dict[str, object]] = {
    # reads that hand out secrets: not state-changing, but each answer carries a credential; confirmed at
    # every --confirm-level, also under --read-only (credential=True).
    "getUserKeys": {"severity": _H, "credential": True, "warning": "Reveals the API key and secret key of a user."},
    "getVMPassword": {"severity": _H, "credential": True, "warning": "Reveals the (encrypted) password of a VM."},
    "getKubernetesClusterConfig": {
        "severity": _H,
        "credential": True,
        "warning": "Reveals the kubeconfig (cluster admin credentials) of a Kubernetes cluster.",
    },
    "getUser": {"severity": _H, "credential": True, "warning": "Reads a user, including key material, by API key."},
    "getLoadBalancerSslCertificate": {
        "severity": _H,
        "credential": True,
        "warning": "Reveals a load balancer's SSL certificate with its private key.",
    },
    # data handed out: a download link anyone holding it can use
    "extractVolume": {
        "severity": _M,
        "warning": "Creates a download link for a volume: anyone with the link can read the disk's data.",
    },
    "extractTemplate": {
        "severity": _M,
        "warning": "Creates a download link for a template: anyone with the link can read it.",
    },
    "extractIso": {"severity": _M, "warning": "Creates a download link for an ISO: anyone with the link can read it."},
    "extractSnapshot": {
        "severity": _M,
        "warning": "Creates a download link for a snapshot: anyone with the link can read the disk's data.",
    },
    "downloadImageStoreObject": {"severity": _M, "warning": "Creates a download link for a file on an image store."},
    "issueCertificate": {
        "severity": _M,
        "warning": "Issues a certificate signed by the cloud's CA (with a new private key when no CSR is given).",
    },
    # the audit trail
    "archiveEvents": {
        "severity": _M,
        "warning": "Archives events: they drop out of the event list (the audit trail users see).",
    },
    "archiveAlerts": {"severity": _M, "warning": "Archives alerts: they drop out of the alert list."},
    # network access opened or cut
    "enableStaticNat": {
        "severity": _M,
        "warning": "Maps a public IP address to a VM: the VM becomes reachable "
        "at that address (as far as its firewall rules allow).",
    },
    "removeFromLoadBalancerRule": {
        "severity": _M,
        "warning": "Takes VMs out of a load balancer: the traffic it balanced no longer reaches them.",
    },
    "removeFromGlobalLoadBalancerRule": {"severity": _M},
    "removeIpFromNic": {
        "severity": _M,
        "warning": "Removes a secondary IP address from a VM's NIC: traffic to it stops.",
    },
    "removeNetworkPermissions": {"severity": _M},
    "uploadCustomCertificate": {
        "severity": _M,
        "warning": "Replaces the certificate of the console proxy and secondary storage VMs: they restart with it.",
    },
    "listCaCertificate": {"severity": _L, "warning": "Reads the CA certificate."},
    # "get" APIs that create records or copy files.
    "getUploadParamsForIso": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Creates an ISO entry and a signed upload URL.",
    },
    "getUploadParamsForTemplate": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Creates a template entry and a signed upload URL.",
    },
    "getUploadParamsForVolume": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Creates a volume entry and a signed upload URL.",
    },
    "getDiagnosticsData": {
        "kind": "mutating",
        "severity": _L,
        "warning": "Collects files from a system VM into an archive on secondary storage.",
    },
    "getRouterHealthCheckResults": {"severity": _L, "warning": "May run fresh health checks on a virtual router."},
    # quota plugin nouns
    "quotaBalance": {"kind": "read"},
    "quotaStatement": {"kind": "read"},
    "quotaSummary": {"kind": "read"},
    "quotaCredits": {"severity": _M, "warning": "Adds or removes quota credits of an account (what it may spend)."},
    "quotaUpdate": {
        "severity": _L,
        "category": "quota and billing",
        "scope": "cloud",
        "warning": "Recalculates quota usage, alerts and statements.",
    },
    "samlSso": {"kind": "mutating", "severity": _L, "warning": "Starts a SAML single sign-on session."},
    "samlSlo": {"kind": "mutating", "severity": _L, "warning": "Logs the user out of every SAML session."},
    "readyForShutdown": {"kind": "read"},
    # credentials
    "registerUserKeys": {
        "kind": "destructive",
        "severity": _H,
        "reversible": False,
        "warning": "Generates new API and secret keys for a user: the user's current keys stop working at once "
        "(if it is the user this server signs with, the server loses access until reconfigured).",
    },
    "resetPassword": {"severity": _H, "warning": "Sets a new password for a user: the current one stops working."},
    "forgotPassword": {"severity": _L, "warning": "Emails a password reset token to a user."},
    "setupUserTwoFactorAuthentication": {
        "severity": _M,
        "warning": "Enables or disables two-factor authentication of a user (a new secret replaces the old).",
    },
    "updateHostPassword": {
        "severity": _H,
        "reversible": False,
        "warning": "Replaces the stored password of a host or host pool: a wrong value cuts the management server "
        "off from the host.",
    },
    "changeOutOfBandManagementPassword": {
        "severity": _H,
        "reversible": False,
        "warning": "Changes the password of a host's out-of-band (IPMI) interface.",
    },
    "resetPasswordForVirtualMachine": {"severity": _M, "warning": "Replaces the password of a (stopped) VM."},
    "resetSSHKeyForVirtualMachine": {"severity": _M, "warning": "Replaces the SSH keys of a (stopped) VM."},
    "resetUserDataForVirtualMachine": {"severity": _L, "reversible": True},
    "resetApiLimit": {"severity": _L, "reversible": True},
    "resetNetworkPermissions": {"severity": _M},
    "resetConfiguration": {"severity": _H},
    "resetVpnConnection": {
        "severity": _M,
        "reversible": True,
        "warning": "Resets a site-to-site VPN connection: traffic through the tunnel stops until it is re-established.",
    },
    # cloud-wide or infrastructure changes
    "updateConfiguration": {
        "severity": _H,
        "warning": "Changes a global, zone, cluster, domain, account or storage setting: every feature reading it "
        "behaves differently at once.",
    },
    "updateCloudToUseObjectStore": {"severity": _H},
    "triggerShutdown": {
        "severity": _C,
        "warning": "Shuts the management server down once running jobs finish: the API and UI go away.",
    },
    "prepareForShutdown": {"severity": _H, "warning": "Stops the management server from accepting new jobs."},
    "cancelShutdown": {"severity": _L},
    "prepareHostForMaintenance": {
        "severity": _H,
        "warning": "Puts a host into maintenance: every VM on it is live-migrated away (or stopped when it cannot be).",
    },
    "enableStorageMaintenance": {
        "kind": "mutating",
        "severity": _H,
        "warning": "Puts primary storage into maintenance: every VM with a disk on it is stopped (system VMs are "
        "restarted elsewhere).",
    },
    "startRollingMaintenance": {
        "severity": _H,
        "warning": "Puts hosts into maintenance one after another (VMs are migrated; with forced=true, failures are "
        "skipped).",
    },
    "declareHostAsDegraded": {"severity": _H, "warning": "Marks a host degraded: HA restarts its VMs elsewhere."},
    "cancelHostAsDegraded": {"severity": _L},
    "cancelHostMaintenance": {"severity": _L},
    "cancelStorageMaintenance": {"severity": _L},
    "reconnectHost": {"severity": _M, "warning": "Reconnects a host's agent: management of its VMs pauses meanwhile."},
    "issueOutOfBandManagementPowerAction": {
        "severity": _H,
        "warning": "Sends a power action (on, off, cycle, reset, soft) to a host's IPMI interface: off, cycle and reset "
        "cut every VM on the host without warning.",
    },
    "executeClusterDrsPlan": {"severity": _M, "warning": "Live-migrates the VMs that the DRS plan moves."},
    "changeStoragePoolScope": {"severity": _H},
    "updateStorageCapabilities": {"severity": _L},
    "syncStoragePool": {"severity": _L},
    "upgradeRouterTemplate": {
        "severity": _H,
        "warning": "Reboots routers onto a newer template: network services of every VM behind them pause.",
    },
    "patchSystemVm": {"severity": _M},
    "migrateNetwork": {"severity": _H},
    "migrateVPC": {"severity": _H},
    "migrateSecondaryStorageData": {"severity": _H},
    "unmanageVirtualMachine": {
        "severity": _H,
        "reversible": False,
        "warning": "Removes a VM from CloudStack without touching it on the hypervisor: CloudStack forgets its "
        "history, usage, rules and IPs.",
    },
    "unmanageVolume": {"severity": _M},
    "purgeExpungedResources": {
        "severity": _H,
        "warning": "Deletes the database records of expunged resources: their history is gone for good.",
    },
    "removeRawUsageRecords": {"severity": _H, "warning": "Deletes raw usage records: billing for that period is lost."},
    "deleteEvents": {"severity": _M},
    "deleteAlerts": {"severity": _M},
    "cleanVMReservations": {"severity": _L},
    "runDiagnostics": {"severity": _L},
    "generateUsageRecords": {"severity": _L},
    # ownership and membership
    "assignVirtualMachine": {"severity": _M, "warning": "Moves a VM (and its volumes) to another account."},
    "assignVolume": {"severity": _M, "warning": "Moves a volume to another account."},
    "moveUser": {"severity": _M},
    "moveDomain": {"severity": _M},
    "moveNetworkAclItem": {"severity": _L},
    "deleteAccountFromProject": {"severity": _M},
    "deleteUserFromProject": {"severity": _M},
    "removeVirtualMachineFromBackupOffering": {
        "severity": _M,
        "warning": "Stops backups of a VM (with forced=true its existing backups are deleted too).",
    },
    "removeNicFromVirtualMachine": {"severity": _M},
    "restoreVolumeFromBackupAndAttachToVM": {"kind": "mutating", "severity": _M, "reversible": True},
    "detachIso": {"severity": _L},
    "removeAnnotation": {"severity": _L},
    # state changes of tenants
    "disableAccount": {
        "severity": _H,
        "warning": "Disables an account: all its VMs are stopped and its users cannot log in (lock=true only locks).",
    },
    "lockAccount": {"severity": _H},
    "suspendProject": {"severity": _H, "warning": "Suspends a project: all its VMs are stopped."},
    "disableUser": {"severity": _M},
    "lockUser": {"severity": _M},
    "disableRole": {"severity": _M},
    "disableStaticNat": {"severity": _M},
    "disableAutoScaleVmGroup": {"severity": _L},
    "updateUser": {"severity": _M},
    "updateAccount": {"severity": _M},
    "updateRole": {"severity": _M},
    "updateRolePermission": {"severity": _M},
    "updateProjectRolePermission": {"severity": _M},
    "updateNetwork": {
        "severity": _M,
        "warning": "Updates a network (may restart it: its VMs lose network services for a while).",
    },
    "updateVmNicIp": {"severity": _M},
    "updateResourceLimit": {"severity": _L},
    "updateResourceCount": {"severity": _L},
    "changeServiceForVirtualMachine": {"severity": _M},
    "scaleVirtualMachine": {"severity": _M},
    "archiveSnapshot": {"severity": _L},
    "authorizeSamlSso": {"severity": _M},
    "linkAccountToLdap": {"severity": _M},
    "linkDomainToLdap": {"severity": _M},
    "ldapConfig": {"severity": _M},
    "dedicatePublicIpRange": {"severity": _M},
    "dedicateGuestVlanRange": {"severity": _M},
    "releaseDedicatedGuestVlanRange": {"severity": _L, "reversible": True},
    "releasePublicIpRange": {"severity": _M, "reversible": True},
    "releasePodIpAddress": {"severity": _M},
    "releaseIpv4SubnetForZone": {"severity": _L, "reversible": True},
    "releaseASNumber": {"severity": _M},
    "disassociateIpAddress": {"severity": _H},
    "releaseIpAddress": {"severity": _H},
    "restartNetwork": {"severity": _M},
    "restartVPC": {"severity": _M},
    "deleteTrafficType": {"severity": _H},
    "removeQuarantinedIp": {
        "severity": _M,
        "warning": "Ends the quarantine of a public IP address: any account may acquire it again.",
    },
    "releaseBgpPeer": {"severity": _L, "reversible": True},
    "login": {"category": "session", "scope": "account", "warning": "Opens a session with a user's password."},
    "oauthlogin": {"category": "session", "scope": "account", "warning": "Opens a session with an OAuth code."},
    "logout": {"category": "session", "scope": "account", "warning": "Ends the current session."},
    "quotaConfigureEmail": {"category": "quota e-mail", "scope": "account"},
    "deleteBucket": {"severity": _M, "warning": "Deletes a bucket (only an empty bucket can be deleted)."},
    "replaceNetworkACLList": {"severity": _M},
    "quotaTariffUpdate": {"severity": _M},
    "prepareTemplate": {
        "kind": "mutating",
        "severity": _L,
        "reversible": True,
        "warning": "Copies a template onto primary storage ahead of deployments.",
    },
}
