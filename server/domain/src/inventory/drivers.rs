//! clusto's drivers: each has a type, and some are devices (they have IPs), pools (they hold
//! members) or resource managers (they allocate).

/// (driver, type), as clusto-apiserver 0.5.2 lists them.
pub const DRIVERS: [(&str, &str); 21] = [
    ("basicappliance", "appliance"),
    ("basiccage", "cage"),
    ("basicconsoleserver", "consoleserver"),
    ("basicdatacenter", "datacenter"),
    ("basicnetworkswitch", "networkswitch"),
    ("basicpowerstrip", "powerstrip"),
    ("basicrack", "rack"),
    ("basicserver", "server"),
    ("basicvirtualserver", "server"),
    ("basiczone", "zone"),
    ("clustometa", "clustometa"),
    ("device", "generic"),
    ("entity", "generic"),
    ("exclusive_pool", "pool"),
    ("ipmanager", "resourcemanager"),
    ("location", "location"),
    ("pool", "pool"),
    ("resourcemanager", "resourcemanager"),
    ("simpleentitynamemanager", "resourcemanager"),
    ("simplenamemanager", "resourcemanager"),
    ("unique_pool", "pool"),
];

/// The type of `driver`, if it is a driver.
pub fn type_of(driver: &str) -> Option<&'static str> {
    DRIVERS.iter().find(|(d, _)| *d == driver).map(|(_, t)| *t)
}

/// Devices carry `ips` in their expanded form.
pub fn is_device(driver: &str) -> bool {
    matches!(
        driver,
        "basicappliance"
            | "basicconsoleserver"
            | "basicnetworkswitch"
            | "basicpowerstrip"
            | "basicserver"
            | "basicvirtualserver"
            | "device"
    )
}

pub fn is_resource_manager(driver: &str) -> bool {
    type_of(driver) == Some("resourcemanager")
}

pub fn is_pool(driver: &str) -> bool {
    type_of(driver) == Some("pool")
}

/// Name managers hand out entity names (`basename` + a counter).
pub fn is_name_manager(driver: &str) -> bool {
    matches!(driver, "simplenamemanager" | "simpleentitynamemanager")
}
