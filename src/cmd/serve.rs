//! `credsite serve`: a live preview of the site, rebuilt on every change (issue 12).

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use credsite::serve::ServeOptions;

use super::{AsOf, Global};

/// Serves a live preview of the site from memory, rebuilt and reloaded on every change.
#[derive(clap::Args)]
pub struct Args {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// The address to listen on; 0.0.0.0 serves to the network (with a warning).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Open the preview in the default browser.
    #[arg(long)]
    open: bool,
    /// Poll for changes instead of file system events (network or container file
    /// systems, where native events do not arrive).
    #[arg(long)]
    poll: bool,
    /// Read the secret key from this file [default: <root>/keys/issuer.key]; without
    /// one, pages are signed with a throwaway key and say so.
    #[arg(long, env = "CREDSITE_SECRET_KEY")]
    key: Option<PathBuf>,
    #[command(flatten)]
    as_of: AsOf,
}

pub fn run(global: &Global, args: Args) -> Result<ExitCode> {
    let build = super::options(&global.root, args.key, &args.as_of)?;
    credsite::serve::serve(ServeOptions {
        build,
        bind: args.bind,
        port: args.port,
        open: args.open,
        poll: args.poll,
        verbose: global.verbose,
    })?;
    Ok(ExitCode::SUCCESS)
}
