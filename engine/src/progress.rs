//! Progress display: bars (rows, MB, rows/s, ETA per table) on a terminal,
//! plain log lines otherwise. Updated per batch, never per row.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Where progress goes. Clones share the same display.
#[derive(Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
    quiet: bool,
}

/// Progress of one table.
pub struct TableProgress {
    bar: Option<ProgressBar>,
    name: String,
    started: Instant,
    bytes: u64,
    quiet: bool,
}

impl Progress {
    /// Bars when stderr is a terminal and `quiet` is off; log lines otherwise.
    pub fn new(quiet: bool) -> Self {
        let bars = (!quiet && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { bars, quiet }
    }

    /// A log line (above the bars on a terminal).
    pub fn log(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.bars {
            Some(m) => {
                let _ = m.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Starts tracking a table expected to hold about `rows` rows.
    pub fn table(&self, name: &str, rows: Option<u64>) -> TableProgress {
        let bar = self.bars.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(rows.unwrap_or(0)));
            let template = "{prefix:>20} [{bar:30}] {pos}/{len} rows {msg} {per_sec} eta {eta}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(name.to_string());
            bar
        });
        if bar.is_none() {
            self.log(&format!("copying {name}"));
        }
        TableProgress {
            bar,
            name: name.to_string(),
            started: Instant::now(),
            bytes: 0,
            quiet: self.quiet,
        }
    }
}

impl TableProgress {
    /// Counts a batch.
    pub fn batch(&mut self, rows: u64, bytes: u64) {
        self.bytes += bytes;
        if let Some(bar) = &self.bar {
            bar.inc(rows);
            bar.set_message(format!("{:.1} MB", mb(self.bytes)));
        }
    }

    /// Marks the table finished.
    pub fn finish(self, rows: u64, ok: bool) {
        let secs = self.started.elapsed().as_secs_f64();
        match &self.bar {
            Some(bar) => bar.finish_with_message(if ok { "done" } else { "FAILED" }),
            None if !self.quiet => eprintln!(
                "{} {}: {rows} rows, {:.1} MB in {secs:.2}s",
                if ok { "copied" } else { "FAILED" },
                self.name,
                mb(self.bytes)
            ),
            None => {}
        }
    }
}

#[allow(clippy::cast_precision_loss)]
fn mb(bytes: u64) -> f64 {
    // Display only: a rounded megabyte figure is what is wanted.
    bytes as f64 / 1_048_576.0
}
