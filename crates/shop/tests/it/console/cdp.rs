//! A headless Chromium driven through its DevTools protocol over `--remote-debugging-pipe`
//! (commands on fd 3, replies and events on fd 4, each a JSON message ended by NUL), so the
//! tests need no WebSocket client and no driver binary.

use std::io::{PipeReader, PipeWriter, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Browser {
    child: Child,
    commands: PipeWriter,
    replies: Receiver<Value>,
    events: Arc<Mutex<Vec<Value>>>,
    next_id: u64,
    session: String,
    _profile: tempfile::TempDir,
}

/// Headless, with nothing of its own on the network: without the background-networking
/// flags Chromium tries Google's hosts at every start, which this machine refuses.
pub const HEADLESS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The installed Chromium, if any (`.ci/run` installs Debian's).
pub fn chromium() -> Option<String> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()))
        .map(|s| (*s).to_owned())
}

/// How long any wait in these tests lasts: long, for a 2-core machine running the whole suite.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The events the checks read; the rest (data chunks, frame and layout events) are dropped.
const KEPT_EVENTS: [&str; 7] = [
    "Network.requestWillBeSent",
    "Network.responseReceived",
    "Network.loadingFinished",
    "Network.loadingFailed",
    "Runtime.exceptionThrown",
    "Runtime.consoleAPICalled",
    "Log.entryAdded",
];

fn read_messages(mut from: PipeReader, replies: Sender<Value>, events: Arc<Mutex<Vec<Value>>>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    // Where the search for the next NUL resumes: a screenshot is megabytes in one message.
    let mut searched = 0;
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        pending.extend_from_slice(&chunk[..n]);
        while let Some(offset) = pending[searched..].iter().position(|b| *b == 0) {
            let end = searched + offset;
            let parsed = serde_json::from_slice::<Value>(&pending[..end]);
            pending.drain(..=end);
            searched = 0;
            let Ok(value) = parsed else { continue };
            if value.get("id").is_some() {
                if replies.send(value).is_err() {
                    return;
                }
            } else if KEPT_EVENTS.iter().any(|kept| value["method"] == *kept) {
                events.lock().unwrap().push(value);
            }
        }
        searched = pending.len();
    }
}

impl Browser {
    /// Starts headless Chromium with a fresh profile and no background networking, opens a
    /// blank page, and enables the page, runtime, network and log domains.
    pub fn launch(browser: &str, width: u32, height: u32) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let (command_read, command_write) = std::io::pipe().unwrap();
        let (reply_read, reply_write) = std::io::pipe().unwrap();
        let (cr, rw) = (command_read.as_raw_fd(), reply_write.as_raw_fd());
        let mut command = Command::new(browser);
        command
            .args(HEADLESS)
            .args([
                "--disable-default-apps",
                "--disable-extensions",
                "--remote-debugging-pipe",
                "--lang=en-US",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its renderer and helper processes too are ended with the group at drop.
            .process_group(0);
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec. The pipe
        // ends are first copied above fd 10 so that moving them onto 3 and 4 cannot clobber one
        // another, and dup2 clears close-on-exec on the copies Chromium reads and writes.
        unsafe {
            command.pre_exec(move || {
                let high_cr = libc::fcntl(cr, libc::F_DUPFD_CLOEXEC, 10);
                let high_rw = libc::fcntl(rw, libc::F_DUPFD_CLOEXEC, 10);
                if high_cr < 0 || high_rw < 0 || libc::dup2(high_cr, 3) < 0 || libc::dup2(high_rw, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start chromium");
        drop(command_read);
        drop(reply_write);
        let (tx, replies) = channel();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || read_messages(reply_read, tx, sink));
        let mut browser = Self {
            child,
            commands: command_write,
            replies,
            events,
            next_id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = browser.send(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_owned();
        let attached = browser.send(None, "Target.attachToTarget", json!({"targetId": target_id, "flatten": true}));
        browser.session = attached["sessionId"].as_str().expect("sessionId").to_owned();
        for domain in ["Page.enable", "Runtime.enable", "Network.enable", "Log.enable"] {
            browser.call(domain, json!({}));
        }
        // Screenshots as wide as the viewport asked for, without a scrollbar's strip.
        browser.call("Emulation.setScrollbarsHidden", json!({"hidden": true}));
        browser
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.try_send(session, method, params).unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// A command's result, or the protocol's error (such as a page that navigated away
    /// while a script ran in it).
    fn try_send(&mut self, session: Option<&str>, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.replies.recv_timeout(left) {
                Ok(reply) if reply["id"] == json!(id) => {
                    return match reply.get("error") {
                        Some(error) => Err(error.clone()),
                        None => Ok(reply["result"].clone()),
                    };
                }
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => panic!("{method}: no reply from chromium within {PATIENCE:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("{method}: chromium closed its pipe"),
            }
        }
    }

    /// A command to the browser itself (downloads, for one).
    pub fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(None, method, params)
    }

    /// A command to the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    /// Every event received so far.
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// The value of a JavaScript expression (promises awaited); a thrown error fails the test.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call("Runtime.evaluate", json!({"expression": expression, "awaitPromise": true, "returnByValue": true}));
        if let Some(details) = result.get("exceptionDetails") {
            panic!("evaluating {expression}: {details}");
        }
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is truthy; fails with `what` and the page's text otherwise.
    pub fn wait_for(&mut self, expression: &str, what: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let session = self.session.clone();
        loop {
            let probe = format!("(() => {{ try {{ return {expression}; }} catch (e) {{ return null; }} }})()");
            // A page that is being replaced meanwhile counts as "not yet".
            let value = self
                .try_send(Some(&session), "Runtime.evaluate", json!({"expression": probe, "returnByValue": true}))
                .map(|result| result["result"]["value"].clone())
                .unwrap_or(Value::Null);
            if !(value.is_null() || value == json!(false) || value == json!(0) || value == json!("")) {
                return value;
            }
            if Instant::now() > deadline {
                let text = self.eval("document.body ? document.body.innerText : ''");
                let errors: Vec<Value> = self
                    .events()
                    .into_iter()
                    .filter(|e| e["method"] == "Runtime.exceptionThrown" || e["params"]["type"] == "error")
                    .collect();
                panic!(
                    "timed out waiting for {what} ({expression}); errors so far: {errors:#?}; the page shows:\n{}",
                    text.as_str().unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
    }

    /// A real mouse click in the middle of the first element matching `selector`, once that
    /// point shows the element itself (not something drawn over it).
    pub fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let point = self.wait_for(
            &format!(
                "(() => {{ const el = document.querySelector({sel}); if (!el) return null; el.scrollIntoView({{block: 'center'}}); \
                 const r = el.getBoundingClientRect(); if (!r.width || !r.height) return null; \
                 const [x, y] = [r.x + r.width / 2, r.y + r.height / 2]; const hit = document.elementFromPoint(x, y); \
                 return hit && el.contains(hit) ? [x, y] : null; }})()"
            ),
            &format!("a visible {selector}"),
        );
        let (x, y) = (point[0].as_f64().unwrap(), point[1].as_f64().unwrap());
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            );
        }
    }

    /// A real click on the first `selector` whose text is exactly `text`.
    pub fn click_text(&mut self, selector: &str, text: &str) {
        self.next_id += 1;
        let mark = self.next_id;
        let (sel, want) = (serde_json::to_string(selector).unwrap(), serde_json::to_string(text).unwrap());
        self.wait_for(
            &format!(
                "(() => {{ const el = [...document.querySelectorAll({sel})].find((e) => e.textContent.trim() === {want}); \
                 if (el) el.dataset.cdp = '{mark}'; return Boolean(el); }})()"
            ),
            &format!("{selector} reading {text:?}"),
        );
        self.click(&format!("[data-cdp='{mark}']"));
    }

    /// Chooses `value` in the select `selector`, as a user would (a change event follows).
    pub fn choose(&mut self, selector: &str, value: &str) {
        let (sel, value) = (serde_json::to_string(selector).unwrap(), serde_json::to_string(value).unwrap());
        self.wait_for(
            &format!(
                "(() => {{ const s = document.querySelector({sel}); if (!s) return false; s.value = {value}; \
                 s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === {value}; }})()"
            ),
            &format!("{sel} to offer {value}"),
        );
    }

    /// Shows the console view at `hash` and waits until it is on screen.
    pub fn open(&mut self, hash: &str) {
        let path = serde_json::to_string(hash.trim_start_matches('#')).unwrap();
        let target = serde_json::to_string(hash).unwrap();
        // The view on screen is marked as leaving, so the wait below sees the new one; the
        // hash that is already current is routed again.
        self.eval(&format!(
            "(() => {{ const main = document.querySelector('main'); if (main) main.dataset.view = '(leaving)'; \
             if (location.hash === {target}) window.dispatchEvent(new HashChangeEvent('hashchange')); else location.hash = {target}; \
             return true; }})()"
        ));
        self.wait_for(
            &format!("document.querySelector('main') && document.querySelector('main').dataset.view === {path}"),
            &format!("the view {hash}"),
        );
    }

    /// The visible text of the first `selector`, or "".
    pub fn text(&mut self, selector: &str) -> String {
        let sel = serde_json::to_string(selector).unwrap();
        let value = self
            .eval(&format!("(() => {{ const el = document.querySelector({sel}); return el ? el.innerText : ''; }})()"));
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Focuses `selector`, clears it and types `text` as keyboard input.
    pub fn type_into(&mut self, selector: &str, text: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        self.wait_for(
            &format!("(() => {{ const el = document.querySelector({sel}); if (!el) return false; el.focus(); el.select && el.select(); return document.activeElement === el; }})()"),
            &format!("{selector} to take focus"),
        );
        self.call("Input.insertText", json!({"text": text}));
    }

    /// Presses a key (`Enter`, `Tab`) on the focused element.
    pub fn press(&mut self, key: &str) {
        let (code, text) = match key {
            "Enter" => (13, "\r"),
            "Tab" => (9, ""),
            other => panic!("no key code for {other}"),
        };
        let mut down = json!({"type": "keyDown", "key": key, "code": key, "windowsVirtualKeyCode": code});
        if !text.is_empty() {
            down["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": key, "windowsVirtualKeyCode": code}),
        );
    }

    /// Lays the page out at `width` × `height` CSS pixels.
    pub fn viewport(&mut self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        );
    }

    /// A PNG of the whole page at the current width.
    pub fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine;
        let shot = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true}));
        base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap()
    }
}

impl Drop for Browser {
    /// The whole process group goes (the browser, its renderers and helpers), so none is left
    /// writing into the profile while it is removed.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: a signal to the process group this browser leads (`process_group(0)`).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.child.wait();
    }
}
