//! The demo's report: timed stages with progress on stderr, and the final summary.

use std::time::Instant;

use serde_json::{Value, json};

/// A stage being timed. Prints its name when it starts.
#[derive(Debug)]
pub struct Stage {
    name: String,
    started: Instant,
}

impl Stage {
    /// Starts timing and prints `==> name`.
    #[must_use]
    pub fn start(name: &str) -> Self {
        eprintln!("==> {name}");
        Self {
            name: name.to_owned(),
            started: Instant::now(),
        }
    }

    /// Stops timing.
    #[must_use]
    pub fn done(self) -> (String, f64) {
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!("    done in {secs:.1} s");
        (self.name, secs)
    }
}

/// Stage timings collected for the summary.
#[derive(Debug, Default)]
pub struct Report {
    stages: Vec<(String, f64)>,
}

impl Report {
    /// Records a finished stage.
    pub fn stage(&mut self, stage: (String, f64)) {
        self.stages.push(stage);
    }

    /// Stages as JSON (`[{stage, seconds}]`).
    #[must_use]
    pub fn stages_json(&self) -> Value {
        Value::Array(
            self.stages
                .iter()
                .map(|(name, secs)| json!({ "stage": name, "seconds": (secs * 10.0).round() / 10.0 }))
                .collect(),
        )
    }

    /// Prints the summary for a person: one section per part of the chain.
    pub fn print(&self, summary: &Value) {
        println!();
        println!("Starvit demo summary (also in target/demo/summary.json)");
        println!("=======================================================");
        for (section, body) in summary.as_object().into_iter().flatten() {
            if section == "stages" {
                continue;
            }
            println!("{section}:");
            print_object(body, 2);
        }
        println!("time per stage:");
        for (name, secs) in &self.stages {
            println!("  {secs:>7.1} s  {name}");
        }
    }
}

fn print_object(value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if v.is_object() {
                    println!("{pad}{k}:");
                    print_object(v, indent + 2);
                } else {
                    println!("{pad}{k}: {}", scalar(v));
                }
            }
        }
        other => println!("{pad}{}", scalar(other)),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
