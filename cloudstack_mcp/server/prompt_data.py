"""The operator workflows offered as MCP prompts: plain data, rendered by `server/prompts.py`.

Each workflow is a short guide: the APIs to call in order (by CloudStack API name, so a guide stays
right whatever tool names or profile the server lists), why, and the arguments that matter. `{name}`
in a step's arguments or a note is replaced by the prompt argument of that name (or `<name>` when the
user left it out). The benchmark of tokens per task (bench/) reads these workflows too.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WORKFLOWS", "Argument", "Step", "Workflow"]


@dataclass(frozen=True)
class Argument:
    name: str
    description: str
    required: bool = False
    default: str = ""  # filled in when the user gives none


@dataclass(frozen=True)
class Step:
    api: str  # CloudStack API name (deployVirtualMachine)
    why: str
    args: str = ""  # the arguments that matter, as name=value text with {argument} placeholders


@dataclass(frozen=True)
class Workflow:
    name: str  # the prompt name (snake_case, stable: clients show and remember it)
    title: str
    description: str
    goal: str  # one sentence the guide opens with, with {argument} placeholders
    steps: tuple[Step, ...]
    arguments: tuple[Argument, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def apis(self) -> tuple[str, ...]:
        return tuple(step.api for step in self.steps)


_ZONE = Argument("zone", "zone name or id (optional: the only zone, or ask)")

WORKFLOWS: tuple[Workflow, ...] = (
    Workflow(
        name="deploy_vm",
        title="Deploy a VM",
        description="Deploy a virtual machine with the right offering, network and template.",
        goal="Deploy a VM named {name} in zone {zone}, choosing offering, template and network that fit.",
        arguments=(
            Argument("name", "name of the new VM", required=True),
            _ZONE,
            Argument("template", "template name or OS wanted (e.g. Ubuntu 22.04)"),
            Argument("size", "CPU/RAM wanted (e.g. 2 vCPU, 4 GB)"),
        ),
        steps=(
            Step("listZones", "pick the zone and note its network type (Basic or Advanced)", "name={zone}"),
            Step("listServiceOfferings", "the offering closest to the size wanted ({size})", "zoneid=<zone id>"),
            Step(
                "listTemplates",
                "a ready template for the OS wanted ({template}) in that zone",
                "templatefilter=executable zoneid=<zone id> keyword={template}",
            ),
            Step(
                "listNetworks",
                "an Advanced zone needs a network the account can use (none: create one or ask)",
                "zoneid=<zone id>",
            ),
            Step(
                "deployVirtualMachine",
                "deploy; the tool waits for the job and returns the VM (dry_run=true shows the call first)",
                "name={name} zoneid=<zone id> serviceofferingid=<offering id> templateid=<template id> "
                "networkids=[<network id>]",
            ),
            Step("listVirtualMachines", "confirm it is Running and read its IP address", "name={name}"),
        ),
        notes=("Ask before choosing when several offerings or templates fit equally well.",),
    ),
    Workflow(
        name="vm_wont_start",
        title="Why a VM does not start",
        description="Find out why a virtual machine fails to start, and start it once the cause is fixed.",
        goal="Find out why VM {vm} does not start.",
        arguments=(Argument("vm", "VM name or id", required=True),),
        steps=(
            Step("listVirtualMachines", "its state, host, offering and last host", "keyword={vm}"),
            Step(
                "listEvents",
                "the recent VM.START events and their errors (level=ERROR narrows them)",
                "keyword={vm} type=VM.START",
            ),
            Step("listAsyncJobs", "the failed start job and its error text", "listall=true"),
            Step("listCapacity", "is the zone out of CPU, memory or storage?", "zoneid=<zone id>"),
            Step("listHosts", "are hosts Up and Enabled, with room for the offering?", "zoneid=<zone id> type=Routing"),
            Step("listVolumes", "its volumes: Ready, on a pool that is Up?", "virtualmachineid=<vm id>"),
            Step("listAlerts", "alerts on the zone, pod or host at the time of the failure"),
            Step("startVirtualMachine", "try again once the cause is fixed", "id=<vm id>"),
        ),
        notes=("Report the cause with the evidence (event or job error) before retrying the start.",),
    ),
    Workflow(
        name="drain_host",
        title="Drain a host for maintenance",
        description="Move the VMs off a host and put it into maintenance mode (and back).",
        goal="Put host {host} into maintenance without stopping the VMs on it.",
        arguments=(Argument("host", "host name or id", required=True),),
        steps=(
            Step("listHosts", "the host's id, cluster, state and resource state", "name={host} type=Routing"),
            Step("listVirtualMachines", "the VMs running on it", "hostid=<host id> listall=true"),
            Step("findHostsForMigration", "for each VM, the hosts it can move to", "virtualmachineid=<vm id>"),
            Step(
                "migrateVirtualMachine",
                "optional: move chosen VMs yourself",
                "virtualmachineid=<vm id> hostid=<target>",
            ),
            Step(
                "prepareHostForMaintenance",
                "CloudStack migrates the rest and sets the host to Maintenance (asynchronous)",
                "id=<host id>",
            ),
            Step("listHosts", "check resourcestate=Maintenance and no VMs left", "id=<host id>"),
            Step("cancelHostMaintenance", "after the work: back into service", "id=<host id>"),
        ),
        notes=("Check the cluster has room for the host's VMs (listCapacity) before starting.",),
    ),
    Workflow(
        name="zone_capacity",
        title="A zone's capacity",
        description="Report a zone's capacity: CPU, memory, storage, IP addresses, and what is running out.",
        goal="Report the capacity of zone {zone} and what is close to running out.",
        arguments=(_ZONE,),
        steps=(
            Step("listZones", "the zone's id and allocation state", "name={zone}"),
            Step(
                "listCapacity",
                "used and total per type (CPU, memory, storage, public IPs...); sortby=usage shows the tightest first",
                "zoneid=<zone id> sortby=usage",
            ),
            Step("listClusters", "per-cluster state and overcommit ratios", "zoneid=<zone id>"),
            Step("listHosts", "hosts not Up or not Enabled reduce the real capacity", "zoneid=<zone id> type=Routing"),
            Step("listStoragePools", "primary storage pools and their use", "zoneid=<zone id>"),
            Step("listAlerts", "capacity alerts already raised"),
        ),
    ),
    Workflow(
        name="add_s3_secondary_storage",
        title="Add S3 secondary storage",
        description="Add an S3 bucket as secondary storage (image store) for templates, ISOs and snapshots.",
        goal="Add S3 bucket {bucket} at {endpoint} as secondary storage.",
        arguments=(
            Argument("bucket", "S3 bucket name", required=True),
            Argument("endpoint", "S3 endpoint (host[:port])", required=True),
        ),
        steps=(
            Step("listImageStores", "what secondary storage exists now"),
            Step(
                "addImageStoreS3",
                "register the bucket (the keys are secrets: the user types them, they are never shown back)",
                "bucket={bucket} endpoint={endpoint} accesskey=<access key> secretkey=<secret key> usehttps=true",
            ),
            Step("listZones", "the zones that need a staging store"),
            Step(
                "createSecondaryStagingStore",
                "S3 needs an NFS staging store per zone",
                "url=nfs://<server>/<path> zoneid=<zone id>",
            ),
            Step("listImageStores", "check the new store is listed", "provider=S3"),
        ),
        notes=("Never repeat the access or secret key in your answer.",),
    ),
    Workflow(
        name="snapshot_policy",
        title="A snapshot policy for a volume",
        description="Set up recurring snapshots for a volume (hourly, daily, weekly or monthly).",
        goal="Give volume {volume} a {interval} snapshot policy.",
        arguments=(
            Argument("volume", "volume name or id (or the VM whose ROOT volume is meant)", required=True),
            Argument("interval", "HOURLY, DAILY, WEEKLY or MONTHLY (default DAILY)", default="DAILY"),
        ),
        steps=(
            Step("listVolumes", "the volume's id and state", "keyword={volume}"),
            Step("listSnapshotPolicies", "the policies it already has", "volumeid=<volume id>"),
            Step(
                "createSnapshotPolicy",
                "schedule is MM for hourly, MM:HH for daily, MM:HH:D for weekly (D=1..7) and monthly (D=1..28)",
                "volumeid=<volume id> intervaltype={interval} schedule=00:02 maxsnaps=7 timezone=UTC",
            ),
            Step("listSnapshotPolicies", "check it", "volumeid=<volume id>"),
        ),
    ),
    Workflow(
        name="onboard_tenant",
        title="Onboard a tenant",
        description="Create a tenant's domain, account and user, and give the user API keys.",
        goal="Onboard tenant {tenant}: a domain, an account with user {username}, and API keys.",
        arguments=(
            Argument("tenant", "tenant (domain and account) name", required=True),
            Argument("username", "the first user's login name", required=True),
            Argument("email", "the user's e-mail"),
        ),
        steps=(
            Step("listDomains", "does the domain exist already?", "name={tenant}"),
            Step("createDomain", "the tenant's domain under ROOT", "name={tenant}"),
            Step("listRoles", "the role for the account (usually User, or Domain Admin)"),
            Step(
                "createAccount",
                "the account with its first user (the password is a secret: the user types it)",
                "account={tenant} domainid=<domain id> roleid=<role id> username={username} email={email} "
                "firstname=<first> lastname=<last> password=<password>",
            ),
            Step("listUsers", "the new user's id", "username={username} domainid=<domain id>"),
            Step(
                "registerUserKeys",
                "API and secret key for the user (the secret is masked in the answer)",
                "id=<user id>",
            ),
        ),
        notes=("Hand the keys over out of band: they are masked here on purpose.",),
    ),
    Workflow(
        name="virtual_router",
        title="Check and restart a virtual router",
        description="Check a network's virtual router health and reboot it, or restart the network, if needed.",
        goal="Check the virtual router of network {network} and restart it if it is unhealthy.",
        arguments=(Argument("network", "network name or id", required=True),),
        steps=(
            Step("listNetworks", "the network's id and state", "keyword={network}"),
            Step("listRouters", "its router(s): state, host, redundant state", "networkid=<network id> listall=true"),
            Step(
                "getRouterHealthCheckResults", "the router's health checks (failed ones first)", "routerid=<router id>"
            ),
            Step("listEvents", "recent router events and errors", "keyword=router"),
            Step("rebootRouter", "a router that is Running but unhealthy", "id=<router id>"),
            Step(
                "restartNetwork",
                "if a reboot is not enough: cleanup=true rebuilds the router (short outage)",
                "id=<network id> cleanup=true",
            ),
        ),
        notes=("Say what will be interrupted before rebooting or restarting; both break connections briefly.",),
    ),
    Workflow(
        name="usage_report",
        title="A usage or quota report for an account",
        description="Report an account's usage records or quota balance and statement for a period.",
        goal="Report the usage of account {account} from {startdate} to {enddate}.",
        arguments=(
            Argument("account", "account name", required=True),
            Argument("startdate", "start date, yyyy-MM-dd"),
            Argument("enddate", "end date, yyyy-MM-dd"),
        ),
        steps=(
            Step("listAccounts", "the account's id and domain", "name={account}"),
            Step("listUsageTypes", "what the usage type numbers mean"),
            Step(
                "listUsageRecords",
                "records for the period (needs the usage server; fetch_all=true for all pages)",
                "account={account} domainid=<domain id> startdate={startdate} enddate={enddate}",
            ),
            Step(
                "quotaBalance",
                "with the quota plugin: the balance over the period",
                "account={account} domainid=<domain id>",
            ),
            Step(
                "quotaStatement",
                "with the quota plugin: the charges per usage type",
                "account={account} domainid=<domain id> startdate={startdate} enddate={enddate}",
            ),
        ),
        notes=("Sum per usage type and show a small table; say when the usage server has no records yet.",),
    ),
    Workflow(
        name="scale_kubernetes_cluster",
        title="Scale a Kubernetes cluster",
        description="Scale a CloudStack Kubernetes Service cluster to a node count or a larger offering.",
        goal="Scale Kubernetes cluster {cluster} to {size} worker nodes.",
        arguments=(
            Argument("cluster", "cluster name or id", required=True),
            Argument("size", "worker node count wanted"),
        ),
        steps=(
            Step("listKubernetesClusters", "the cluster's id, state, size and offering", "name={cluster}"),
            Step("listServiceOfferings", "only to change the node offering: the offering to use"),
            Step(
                "scaleKubernetesCluster",
                "the cluster must be Running; this is an asynchronous job",
                "id=<cluster id> size={size}",
            ),
            Step("listKubernetesClusters", "check the new size and state Running", "id=<cluster id>"),
        ),
    ),
)
