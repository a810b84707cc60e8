//! The connector's configuration: `Settings::load` on arbitrary TOML text given as the
//! configuration file (TOML parsing, the defaults and file layers, validation), as
//! `generic-connector --config FILE` runs it.
//!
//! Property: the settings' `Debug` text (what a log line would show) does not depend on the
//! secrets: replacing the broker URI and the sync key changes nothing in it.
#![no_main]

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use gc_server::config::Settings;
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

/// One file per fuzzing process, rewritten for every input.
fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("gc-fuzz-config-{}.toml", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut file = std::fs::File::create(path()).expect("create the temp file");
    file.write_all(data).expect("write the temp file");
    drop(file);
    let Ok(settings) = Settings::load(Some(path()), std::iter::empty()) else {
        return;
    };
    let mut other = settings.clone();
    other.broker.url = SecretString::from("amqp://other:other@other/");
    other.sync_key = settings
        .sync_key
        .as_ref()
        .map(|_| SecretString::from("other"));
    assert_eq!(format!("{settings:?}"), format!("{other:?}"));
});
