//! The stories of the spec, played end to end through the SDK against the
//! real server: `TestApp` runs it in-process on a clock that stands still
//! until a story moves it, links are clicked over HTTP as a phone's browser
//! clicks them, and the SDK launches and opens the app as the app would.
//!
//! Every story builds its own server, account, apps (through
//! `POST /api/v1/apps`, which answers each app's SDK key) and template.
//!
//! The stories are grouped by what they play: [`install`] the deferred deep
//! link of a new install and the installs left organic, [`open`] the links
//! opened by an app already installed, and [`offline`] the launches that do
//! not reach the server. The Feed Me server and the payloads the stories
//! expect are in [`support`], the phone and its SDK in [`phone`].

#[path = "stories/install.rs"]
mod install;
#[path = "stories/offline.rs"]
mod offline;
#[path = "stories/open.rs"]
mod open;
#[path = "stories/phone.rs"]
mod phone;
#[path = "stories/support.rs"]
mod support;
