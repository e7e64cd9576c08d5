//! Chooses the estimate card the server embeds (`src/app.rs`).
//!
//! `scripts/build-wasm.sh` writes the card, with the billing core compiled to WebAssembly
//! inside it, to `ui/estimate.html` (git-ignored: it is a build output of the WASM toolchain,
//! which a plain `cargo build` does not run). When it is missing, as on a fresh clone, the
//! server embeds the committed `ui/placeholder.html` instead, which hosts then show in the card's
//! place and which says how to build the card. So `cargo build` works everywhere, and the test
//! suite (`scripts/test.sh`) builds the card before it builds the server.

use std::path::PathBuf;

fn main() {
    let ui =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("ui");
    // A directory: cargo re-runs this script when a file in it appears, changes or goes away.
    println!("cargo::rerun-if-changed=ui");
    println!("cargo::rustc-check-cfg=cfg(card_built)");
    let built = ui.join("estimate.html");
    let html = if built.is_file() {
        println!("cargo::rustc-cfg=card_built");
        built
    } else {
        ui.join("placeholder.html")
    };
    println!(
        "cargo::rustc-env=PIAPI_BILLING_CARD_HTML={}",
        html.display()
    );
}
