//! The account report tools: `spend_report` and `reconcile_charges`.
//!
//! Both read the account's task history through [`crate::account`] and return the core's
//! report. `spend_report` adds its chart as an SVG image block beside the structured result.
//! A request that carries a progress token gets a progress notification per history page and
//! per task view, with counts only, all sent before the result.

use std::sync::Arc;

use base64::Engine;
use piapi_billing::{GroupBy, ReconcileArgs, ReconcileReport, SpendReport, SpendReportArgs};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use tokio::task::JoinHandle;

use crate::account::{self, Progress, ProgressSink, no_progress};
use crate::args::CoreArgs;
use crate::chart::spend_svg;
use crate::ledger::LedgerService;
use crate::output::{Structured, WithImage};
use crate::piapi_client::PiapiClient;
use crate::schema;
use crate::server::BillingServer;

#[tool_router(router = report_router, vis = "pub(crate)")]
impl BillingServer {
    #[tool(
        input_schema = schema::input::<SpendReportArgs>(),
        output_schema = schema::output::<SpendReport>(),
        title = "Spend report",
        description = "Where the PiAPI account's money went, from its own task history: tasks \
            finished in the window (since/until: RFC 3339 or a span back from now such as \
            \"7d\", \"24h\"; default the last 7 days), total USD and points charged, USD frozen \
            by running tasks, groups by day, model, task_type, service_mode or the budget gateway's virtual key (group_by), the \
            ten most expensive tasks, and anything skipped with the reason. Also returns an SVG \
            chart of spend per day stacked by model. Needs PIAPI_API_KEY.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn spend_report(
        &self,
        Parameters(args): Parameters<CoreArgs<SpendReportArgs>>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<WithImage<SpendReport>, String> {
        let args = args.parse().map_err(|e| e.message)?;
        let client = self.piapi_for("read the task history")?;
        let ledger = self.ledger_for(args.group_by).await?;
        let (sink, forwarder) = mcp_progress(&ctx);
        let report = account::spend(client, &args, crate::clock::now_unix(), sink, ledger).await;
        finish(forwarder).await;
        let report = report?;
        let svg = spend_svg(&report)?;
        let image = base64::engine::general_purpose::STANDARD.encode(svg);
        Ok(WithImage {
            value: report,
            image_base64: image,
            mime_type: "image/svg+xml",
        })
    }

    #[tool(
        input_schema = schema::input::<ReconcileArgs>(),
        output_schema = schema::output::<ReconcileReport>(),
        title = "Reconcile charges",
        description = "Check the price catalog against what the PiAPI account was really \
            charged: every completed task in the window (since/until as in spend_report; \
            max_tasks, default 500) is priced from its own input and compared with its \
            meta.usage charge. Returns each catalog row's tasks, charged and estimated USD, how \
            many charges fell outside the estimate and the unit price they imply; services the \
            catalog cannot price; skipped tasks with the reason; and an overlay (the \
            --price-overlay format) that corrects the drifted rows, or null when nothing \
            drifted. Needs PIAPI_API_KEY.",
        annotations(
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn reconcile_charges(
        &self,
        Parameters(args): Parameters<CoreArgs<ReconcileArgs>>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<Structured<ReconcileReport>, String> {
        let args = args.parse().map_err(|e| e.message)?;
        let client = self.piapi_for("reconcile charges")?;
        let (sink, forwarder) = mcp_progress(&ctx);
        let billing = &self.state.billing;
        let report =
            account::reconcile(client, billing, &args, crate::clock::now_unix(), sink).await;
        finish(forwarder).await;
        report.map(Structured)
    }
}

impl BillingServer {
    /// The ledger, when the report groups by the gateway's keys (the only grouping that reads
    /// it); an unusable ledger is the call's error, with its reason.
    async fn ledger_for(
        &self,
        group_by: Option<GroupBy>,
    ) -> Result<Option<&LedgerService>, String> {
        match (group_by, &self.state.ledger) {
            (Some(GroupBy::Key), Some(slot)) => slot.get().await.map(Some),
            _ => Ok(None),
        }
    }

    fn piapi_for(&self, what: &str) -> Result<&PiapiClient, String> {
        self.state.piapi.as_ref().ok_or_else(|| {
            format!(
                "no PiAPI key is configured: set PIAPI_API_KEY in the MCP server's environment to \
                 {what}"
            )
        })
    }
}

/// A sink that forwards progress as MCP notifications when the request asked for them, and
/// the task doing it, to be awaited before the result is returned.
fn mcp_progress(ctx: &RequestContext<RoleServer>) -> (ProgressSink, Option<JoinHandle<()>>) {
    let Some(token) = ctx.meta.get_progress_token() else {
        return (no_progress(), None);
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let peer = ctx.peer.clone();
    let forwarder = tokio::spawn(async move {
        // Steps of the two phases (pages, then views) counted together, so progress only rises.
        let mut step = 0.0;
        while let Some(p) = rx.recv().await {
            step += 1.0;
            let note = ProgressNotificationParam::new(token.clone(), step).with_message(p.message);
            if peer.notify_progress(note).await.is_err() {
                break;
            }
        }
    });
    let sink: ProgressSink = Arc::new(move |p| {
        let _ = tx.send(p);
    });
    (sink, Some(forwarder))
}

/// Waits until every progress notification is sent (the sink was dropped with the report).
async fn finish(forwarder: Option<JoinHandle<()>>) {
    if let Some(f) = forwarder {
        let _ = f.await;
    }
}
