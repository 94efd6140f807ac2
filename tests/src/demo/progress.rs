//! What the demo shows while it runs: one line per stage. On a terminal each line is live (a
//! spinner, what the stage has done so far, elapsed time) and becomes a check mark when the stage
//! ends; otherwise (a pipe, CI) plain lines: the stage's name, what changed (at most every 5 s)
//! and its time.

use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Width of a stage's name on its line.
const WIDTH: usize = 38;
/// How often a plain (non-terminal) line repeats a stage's changing state.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// The stages of one run and their lines.
#[derive(Debug, Clone)]
pub struct Progress {
    live: Option<MultiProgress>,
    timings: Arc<Mutex<Vec<(String, f64)>>>,
    failed: Arc<Mutex<Vec<String>>>,
}

impl Progress {
    /// Live lines when stdout is a terminal, plain lines otherwise.
    #[must_use]
    pub fn new() -> Self {
        let live =
            std::io::stdout().is_terminal() && std::env::var("TERM").is_ok_and(|t| t != "dumb");
        Self::with_live(live)
    }

    /// Live lines or plain ones, as asked.
    #[must_use]
    pub fn with_live(live: bool) -> Self {
        Self {
            live: live.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout())),
            timings: Arc::default(),
            failed: Arc::default(),
        }
    }

    /// Starts a stage: its line appears now.
    #[must_use]
    pub fn stage(&self, name: &str) -> Line {
        let bar = self.live.as_ref().map(|multi| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner:.cyan} {prefix:<44} {wide_msg} {elapsed:>4}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(format!("{name:<WIDTH$}"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if bar.is_none() {
            println!("==> {name}");
        }
        Line {
            name: name.to_owned(),
            started: Instant::now(),
            bar,
            plain: Mutex::new((String::new(), Instant::now())),
            timings: Arc::clone(&self.timings),
            failed: Arc::clone(&self.failed),
            finished: false,
        }
    }

    /// Prints a line above the live ones (or plainly).
    pub fn println(&self, text: &str) {
        match &self.live {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => println!("{text}"),
        }
    }

    /// The stages that failed or were left unfinished by an error.
    #[must_use]
    pub fn failed(&self) -> Vec<String> {
        self.failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The finished stages with their seconds, in the order they finished.
    #[must_use]
    pub fn timings(&self) -> Vec<(String, f64)> {
        self.timings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

/// The line of one running stage.
#[derive(Debug)]
pub struct Line {
    name: String,
    started: Instant,
    bar: Option<ProgressBar>,
    plain: Mutex<(String, Instant)>,
    timings: Arc<Mutex<Vec<(String, f64)>>>,
    failed: Arc<Mutex<Vec<String>>>,
    finished: bool,
}

impl Line {
    /// What the stage has done so far (`9/15 files loaded, 8,120 rows`).
    pub fn set(&self, state: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(state.to_owned());
            return;
        }
        let mut last = self.plain.lock().unwrap_or_else(PoisonError::into_inner);
        if last.0 != state && last.1.elapsed() >= PLAIN_EVERY {
            println!(
                "    {}: {state} ({:.0} s)",
                self.name,
                self.started.elapsed().as_secs_f64()
            );
            *last = (state.to_owned(), Instant::now());
        }
    }

    /// Seconds since the stage started.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Ends the stage with what it did; records its time.
    pub fn done(mut self, result: &str) -> f64 {
        self.finished = true;
        let secs = self.started.elapsed().as_secs_f64();
        match &self.bar {
            Some(bar) => close(bar, &self.name, true, format!("{result:<36} {secs:>6.1} s")),
            None => println!("<== {}: {result} ({secs:.1} s)", self.name),
        }
        self.timings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((self.name.clone(), secs));
        secs
    }

    /// Ends the stage as failed; the caller says why (the demo's error names the stage too).
    /// A line dropped without [`Line::done`] (an error returned early) fails with "stopped".
    pub fn fail(mut self, why: &str) {
        self.finished = true;
        self.record_failure();
        match &self.bar {
            Some(bar) => close(bar, &self.name, false, why.to_owned()),
            None => println!(
                "<== {}: FAILED after {:.1} s: {why}",
                self.name,
                self.started.elapsed().as_secs_f64()
            ),
        }
    }
}

impl Line {
    fn record_failure(&self) {
        self.failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(self.name.clone());
    }
}

/// Turns a live line into its last state: a green check mark or a red cross, and a message.
fn close(bar: &ProgressBar, name: &str, ok: bool, message: String) {
    let (template, mark) = if ok {
        ("{prefix:.green} {wide_msg}", '✓')
    } else {
        ("{prefix:.red} {wide_msg}", '✗')
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_prefix(format!("{mark} {name:<WIDTH$}"));
    if ok {
        bar.finish_with_message(message);
    } else {
        bar.abandon_with_message(message);
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.record_failure();
        match &self.bar {
            Some(bar) => close(bar, &self.name, false, "stopped".to_owned()),
            None => println!("<== {}: stopped", self.name),
        }
    }
}
