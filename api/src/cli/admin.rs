//! `raia admin`: bootstrap users without the server.

use std::io::Read;

use anyhow::Context;
use clap::Subcommand;
use commands::users::{self, NewUser};
use domain::{ids::Email, Metadata, Role};

use crate::config::Config;

/// Admin subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user (typically the first admin).
    Create {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from standard input (never from the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Role: admin, ml_engineer, data_scientist, auditor or viewer.
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

/// Runs an admin subcommand.
pub async fn run(config: Config, cmd: AdminCommand) -> anyhow::Result<i32> {
    match cmd {
        AdminCommand::Create {
            email,
            password_stdin: _,
            role,
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let email = Email::parse(&email).context("invalid e-mail address")?;
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let (db, keys) = crate::startup::open(&config).await?;
            let store = commands::open_store(db.clone());
            let cipher = commands::cipher::Cipher::new(db.clone(), keys.master);
            let new = NewUser {
                email: email.clone(),
                password,
                display_name: None,
                role,
            };
            let (id, _) = users::register(
                store.as_ref(),
                &cipher,
                config.password,
                new,
                Metadata::system("cli"),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {role} {} with id {id}", email.as_str());
            db.close().await;
            Ok(0)
        }
    }
}
