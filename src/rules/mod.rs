//! Suricata-syntax rules as data: reading third-party rule files (`iocc lint`).

pub mod lint;
