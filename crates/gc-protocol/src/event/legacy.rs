//! The legacy `#`-delimited text of the seed's "GC Output Messages" table, written from an
//! event's [`Description`]: the fields that have a legacy position, in ascending position.
//!
//! Values are cleaned so they cannot break the framing: `#` becomes `_` and control characters
//! become spaces everywhere; inside `,`/`|` lists `,` and `|` become `_` too; inside call
//! variables `|` does (a variable may hold `,` and `=`).

use super::shape::{Ani, Description, Field, Layout, Member, Record, Value};
use super::{CallData, full_name};

pub(super) fn render(description: &Description<'_, '_>) -> String {
    debug_assert!(
        positions_are_unique(description.fields),
        "{}: two fields share a legacy position",
        description.name
    );
    let mut out = Legacy {
        text: String::with_capacity(128),
        fields: 0,
    };
    for field in in_legacy_order(description.fields) {
        out.field(field);
    }
    out.text
}

/// The fields that have a legacy position, in ascending position.
fn in_legacy_order<'a, 'e>(fields: &'a [Field<'e>]) -> impl Iterator<Item = &'a Field<'e>> {
    // Descriptions are short (a dozen fields at most): an insertion sort of indices on the stack.
    let mut order = [0_u8; 32];
    debug_assert!(fields.len() <= order.len(), "too many fields");
    let mut len = 0;
    for (index, field) in (0_u8..32).zip(fields) {
        let Some(position) = field.position else {
            continue;
        };
        let mut at = len;
        while at > 0 && fields[usize::from(order[at - 1])].position > Some(position) {
            order[at] = order[at - 1];
            at -= 1;
        }
        order[at] = index;
        len += 1;
    }
    (0..len).map(move |i| &fields[usize::from(order[i])])
}

fn positions_are_unique(fields: &[Field<'_>]) -> bool {
    fields.iter().enumerate().all(|(i, a)| {
        a.position.is_none() || fields[i + 1..].iter().all(|b| b.position != a.position)
    })
}

/// The text being written and how many `#` fields it has.
struct Legacy {
    text: String,
    fields: usize,
}

/// What a value may not contain in the place it is written.
#[derive(Clone, Copy)]
enum Clean {
    /// A `#` field: `#` → `_`, control → space.
    Field,
    /// An item of a `,` or `|` list: also `,` and `|` → `_`.
    Item,
    /// A call variable's name or value: also `|` → `_`.
    Variable,
}

impl Legacy {
    /// Starts a new `#` field.
    fn start(&mut self) {
        if self.fields > 0 {
            self.text.push('#');
        }
        self.fields += 1;
    }

    fn field(&mut self, field: &Field<'_>) {
        if let Some(text) = field.legacy_text {
            self.start();
            self.text.push_str(field.prefix);
            self.text.push_str(text);
            return;
        }
        match field.value {
            // A record list of one field per record writes no field for an empty list.
            Value::Records(records, Layout::Fields) => records.each(&mut |record| {
                self.start();
                self.text.push_str(field.prefix);
                self.pairs(record);
            }),
            value => {
                self.start();
                self.text.push_str(field.prefix);
                self.value(value, Clean::Field);
            }
        }
    }

    fn value(&mut self, value: Value<'_>, clean: Clean) {
        match value {
            Value::Const(text) | Value::Enum(text, _) => self.text.push_str(text),
            Value::Str(text) | Value::OptStr(Some(text)) => self.clean(text, clean),
            Value::OptStr(None) | Value::OptCallVariables(None) => {}
            Value::Bool(value) => self.text.push_str(if value { "true" } else { "false" }),
            Value::Number(n) => self.number(n),
            Value::List(items) => self.list(items.iter().map(String::as_str)),
            Value::FullName(first, last) => self.clean(&full_name(first, last), clean),
            Value::CallVariables(call, ani) => self.variables(call, ani),
            Value::OptCallVariables(Some(call)) => self.variables(call, Ani::Omit),
            Value::Codes(pairs) => self.list(pairs.iter().map(|(code, _)| code.as_str())),
            Value::Labels(pairs) => self.list(pairs.iter().map(|(_, label)| label.as_str())),
            Value::ReasonCodes(pairs) => {
                for (i, (code, label)) in pairs.iter().enumerate() {
                    if i > 0 {
                        self.text.push(',');
                    }
                    self.clean(code, Clean::Item);
                    self.text.push(':');
                    self.clean(label, Clean::Item);
                }
            }
            Value::Record(record) => self.pairs(record),
            Value::Records(records, Layout::Fields) => {
                let mut first = true;
                records.each(&mut |record| {
                    if !std::mem::take(&mut first) {
                        self.text.push('|');
                    }
                    self.pairs(record);
                });
            }
            Value::Records(records, Layout::Flags) => {
                let mut first = true;
                records.each(&mut |record| {
                    if !std::mem::take(&mut first) {
                        self.text.push('|');
                    }
                    self.flags(record);
                });
            }
        }
    }

    /// `Key:value,Key:value` (O-019, O-020, O-29 … O-31).
    fn pairs(&mut self, record: &dyn Record) {
        record.members(&mut |members: &[Member<'_>]| {
            let mut first = true;
            for member in members {
                let Some(key) = member.legacy_key else {
                    continue;
                };
                if !std::mem::take(&mut first) {
                    self.text.push(',');
                }
                self.text.push_str(key);
                self.text.push(':');
                self.value(member.value, Clean::Item);
            }
        });
    }

    /// `value,value` without keys (O-017).
    fn flags(&mut self, record: &dyn Record) {
        record.members(&mut |members: &[Member<'_>]| {
            let mut first = true;
            for member in members.iter().filter(|m| m.legacy_key.is_some()) {
                if !std::mem::take(&mut first) {
                    self.text.push(',');
                }
                self.value(member.value, Clean::Item);
            }
        });
    }

    /// `a,b,c`.
    fn list<'v>(&mut self, items: impl Iterator<Item = &'v str>) {
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            self.clean(item, Clean::Item);
        }
    }

    /// `name=value|name=value|…`, the ANI first where the event shows it.
    fn variables(&mut self, call: &CallData, ani: Ani) {
        match ani {
            Ani::Omit => {}
            Ani::Bare => {
                self.clean(&call.ani, Clean::Item);
                self.text.push('|');
            }
            Ani::Named => {
                self.text.push_str("ani=");
                self.clean(&call.ani, Clean::Item);
                self.text.push('|');
            }
        }
        for (i, (name, value)) in call.variables(ani.shows_other_variables()).enumerate() {
            if i > 0 {
                self.text.push('|');
            }
            self.clean(name, Clean::Variable);
            self.text.push('=');
            self.clean(value, Clean::Variable);
        }
    }

    fn number(&mut self, n: u32) {
        use std::fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(self.text, "{n}");
    }

    /// Appends `value` with the characters `clean` forbids replaced.
    fn clean(&mut self, value: &str, clean: Clean) {
        // Fast path: only ASCII bytes and the lead byte of U+0080..U+009F (C1 controls) can need
        // replacing.
        let suspect = |b: &u8| {
            *b < 0x20
                || matches!(*b, b'#' | 0x7f | 0xc2)
                || match clean {
                    Clean::Field => false,
                    Clean::Item => matches!(*b, b',' | b'|'),
                    Clean::Variable => *b == b'|',
                }
        };
        if !value.as_bytes().iter().any(suspect) {
            self.text.push_str(value);
            return;
        }
        self.text.extend(value.chars().map(|c| match c {
            '#' => '_',
            ',' | '|' if matches!(clean, Clean::Item) => '_',
            '|' if matches!(clean, Clean::Variable) => '_',
            c if c.is_control() => ' ',
            c => c,
        }));
    }
}
