//! The streaming walk is the one synthesized exports take (it does not bail), and its
//! bytes are the in-place walk's output serialised.

use chrono::NaiveDate;

use super::super::{MetaParts, Transformer};
use crate::gate::OpenValues;
use crate::json::{Bail, DocBuf};
use crate::key::Key;
use crate::policy::Policy;
use crate::pseudonym::Pseudonymizer;

#[test]
fn synthesized_lines_take_the_streaming_walk() {
    let (resources, _) = starvit_synth::export_in_memory(3, 20);
    let key = Key::from_bytes(b"stream-unit-test-key-0001".to_vec()).unwrap();
    for profile in ["shifted", "safe-harbor"] {
        let policy = Policy::builtin(profile).unwrap();
        let pseudo = Pseudonymizer::for_profile(&key, profile);
        let meta = MetaParts::new(&policy);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let tx = Transformer::new(&policy, &pseudo, day, &meta);
        let (mut buf, mut out) = (DocBuf::default(), Vec::new());
        let (mut open, mut open_tree) = (OpenValues::new(), OpenValues::new());
        let mut bailed = 0;
        for r in &resources {
            let text = r.to_string();
            buf.parse(&text).unwrap();
            out.clear();
            match tx.resource_doc(buf.doc(&text).root(), &mut open, &mut out) {
                Err(Bail) => bailed += 1,
                Ok(kept) => {
                    let mut v = r.clone();
                    assert_eq!(kept, tx.resource(&mut v, &mut open_tree));
                    if kept {
                        assert_eq!(String::from_utf8_lossy(&out), v.to_string());
                        assert_eq!(open.len(), open_tree.len());
                    }
                }
            }
        }
        assert!(
            bailed * 100 <= resources.len(),
            "{bailed} of {} resources bailed",
            resources.len()
        );
    }
}
