//! The console's expression language: the slice of Ruby a Rails learner types at
//! `rails console`, read by a grammar written with `winnow` (a maintained parser
//! combinator crate).
//!
//! Why a grammar and not an embedded scripting engine such as Rhai: the point is that
//! `User.find_by(username: "ann")` and `u.tweets.count` work as typed in the lessons.
//! Rhai cannot read keyword arguments (`username: "ann"` is a syntax error there; it
//! wants `#{username: "ann"}`), and its native functions are synchronous, so every
//! database call would have to block a thread inside the async runtime. A grammar of
//! a dozen rules gives Rails' syntax exactly, and evaluation (`super::eval`) stays
//! ordinary async Rust that awaits the services.
//!
//! ```text
//! line  := name "=" expr | expr
//! expr  := atom ("." name args?)*
//! atom  := string | integer | "nil" | "true" | "false" | name | "(" expr ")"
//! args  := "(" (arg ("," arg)*)? ")"
//! arg   := name ":" expr | expr
//! name  := [A-Za-z_][A-Za-z0-9_]* [!?]?
//! ```

use winnow::ModalResult;
use winnow::ascii::{digit1, multispace0};
use winnow::combinator::{
    alt, cut_err, delimited, eof, opt, preceded, repeat, separated, terminated,
};
use winnow::error::{ContextError, ErrMode, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::token::{one_of, take_till, take_while};

/// One line of input.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Assign(String, Expr),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Int(i64),
    Str(String),
    Nil,
    Bool(bool),
    /// A model (`User`) or a variable (`u`).
    Name(String),
    /// `receiver.method(args)`; `u.tweets` is a call without arguments.
    Call {
        receiver: Box<Expr>,
        method: String,
        args: Vec<Arg>,
    },
}

/// A positional (`find(1)`) or keyword (`find_by(username: "ann")`) argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub key: Option<String>,
    pub value: Expr,
}

/// Why a line could not be read, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Character offset into the line.
    pub at: usize,
    pub message: String,
}

/// Reads one line.
///
/// # Errors
/// [`ParseError`] with the column and what was expected there.
pub fn line(input: &str) -> Result<Line, ParseError> {
    alt((
        (ws(name), ws('='), cut_err(expr)).map(|(n, _, e)| Line::Assign(n, e)),
        expr.map(Line::Expr),
    ))
    .parse(input)
    .map_err(|e| {
        let expected = e.inner().to_string();
        ParseError {
            at: input[..e.offset()].chars().count(),
            message: if expected.is_empty() {
                "unexpected input".to_owned()
            } else {
                expected.replace('\n', "; ")
            },
        }
    })
}

type Input<'a> = &'a str;

fn ws<'a, O, P>(inner: P) -> impl Parser<Input<'a>, O, ErrMode<ContextError>>
where
    P: Parser<Input<'a>, O, ErrMode<ContextError>>,
{
    delimited(multispace0, inner, multispace0)
}

fn name(input: &mut Input<'_>) -> ModalResult<String> {
    (
        one_of(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
        opt(one_of(['!', '?'])),
    )
        .take()
        .map(str::to_owned)
        .context(StrContext::Expected(StrContextValue::Description("a name")))
        .parse_next(input)
}

fn string(input: &mut Input<'_>) -> ModalResult<Expr> {
    alt((
        delimited('"', take_till(0.., '"'), cut_err('"')),
        delimited('\'', take_till(0.., '\''), cut_err('\'')),
    ))
    .map(|s: &str| Expr::Str(s.to_owned()))
    .context(StrContext::Expected(StrContextValue::Description(
        "a closing quote",
    )))
    .parse_next(input)
}

fn integer(input: &mut Input<'_>) -> ModalResult<Expr> {
    (opt('-'), digit1)
        .take()
        .try_map(|s: &str| s.parse::<i64>().map(Expr::Int))
        .parse_next(input)
}

fn atom(input: &mut Input<'_>) -> ModalResult<Expr> {
    ws(alt((
        string,
        integer,
        delimited('(', expr, cut_err(')')),
        name.map(|n| match n.as_str() {
            "nil" => Expr::Nil,
            "true" => Expr::Bool(true),
            "false" => Expr::Bool(false),
            _ => Expr::Name(n),
        }),
    )))
    .context(StrContext::Expected(StrContextValue::Description(
        "a value: a number, a \"string\", a Model or a variable",
    )))
    .parse_next(input)
}

fn arg(input: &mut Input<'_>) -> ModalResult<Arg> {
    alt((
        (ws(name), ':', cut_err(expr)).map(|(key, _, value)| Arg {
            key: Some(key),
            value,
        }),
        expr.map(|value| Arg { key: None, value }),
    ))
    .parse_next(input)
}

fn args(input: &mut Input<'_>) -> ModalResult<Vec<Arg>> {
    preceded(
        '(',
        cut_err(terminated(
            separated(0.., arg, ','),
            ws(')').context(StrContext::Expected(StrContextValue::CharLiteral(')'))),
        )),
    )
    .parse_next(input)
}

fn expr(input: &mut Input<'_>) -> ModalResult<Expr> {
    let first = atom.parse_next(input)?;
    let calls: Vec<(String, Option<Vec<Arg>>)> = repeat(
        0..,
        preceded(
            ws('.'),
            cut_err((
                name.context(StrContext::Expected(StrContextValue::Description(
                    "a method or association name after the dot",
                ))),
                opt(args),
            )),
        ),
    )
    .parse_next(input)?;
    let _ = (multispace0, opt(eof)).parse_next(input)?;
    Ok(calls
        .into_iter()
        .fold(first, |receiver, (method, args)| Expr::Call {
            receiver: Box::new(receiver),
            method,
            args: args.unwrap_or_default(),
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(receiver: Expr, method: &str, args: Vec<Arg>) -> Expr {
        Expr::Call {
            receiver: Box::new(receiver),
            method: method.into(),
            args,
        }
    }

    #[test]
    fn rails_shaped_lines_parse() {
        assert_eq!(
            line("u = User.find(1)"),
            Ok(Line::Assign(
                "u".into(),
                call(
                    Expr::Name("User".into()),
                    "find",
                    vec![Arg {
                        key: None,
                        value: Expr::Int(1)
                    }]
                )
            ))
        );
        assert_eq!(
            line(r#"User.find_by(username: "ann")"#),
            Ok(Line::Expr(call(
                Expr::Name("User".into()),
                "find_by",
                vec![Arg {
                    key: Some("username".into()),
                    value: Expr::Str("ann".into())
                }]
            )))
        );
        assert_eq!(
            line(" u.tweets.count "),
            Ok(Line::Expr(call(
                call(Expr::Name("u".into()), "tweets", vec![]),
                "count",
                vec![]
            )))
        );
    }

    #[test]
    fn a_broken_line_says_where() {
        let err = line("User.find(1").unwrap_err();
        assert_eq!(err.at, 11, "{err:?}");
        assert_eq!(err.message, "expected `)`");
        assert!(line("User.").is_err());
        assert!(line("u = ").is_err());
        assert!(line("\"open").is_err());
    }
}
