/** The gallery shell: configuration, sign-in, and the signed-in gallery. */
import { useEffect, useState } from "react";
import {
  cognitoSignIn,
  completeCognitoSignIn,
  devSignIn,
  expiresAt,
  loadSession,
  type Session,
  saveSession,
  watchSession,
} from "./auth.js";
import { loadConfig, type WebConfig } from "./config.js";
import { Gallery } from "./Gallery.js";

export function App() {
  const [config, setConfig] = useState<WebConfig>();
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [problem, setProblem] = useState<string>();
  // Where the signed-in gallery puts its search box: in the header, though the gallery owns the search.
  const [searchSlot, setSearchSlot] = useState<HTMLDivElement | null>(null);

  useEffect(() => {
    loadConfig()
      .then(async (loaded) => {
        setConfig(loaded);
        if (loaded.auth.kind === "cognito") {
          const finished = await completeCognitoSignIn(loaded.auth);
          if (finished) {
            saveSession(finished);
            setSession(finished);
          }
        }
      })
      .catch((error: Error) => setProblem(error.message));
  }, []);

  const signOut = (message?: string) => {
    saveSession(undefined);
    setSession(undefined);
    setProblem(message);
  };

  // Another tab signed in or out: follow it.
  useEffect(() => watchSession(setSession), []);

  // The token's expiry ends the session here too, not only at the next refused request.
  useEffect(() => {
    const exp = session && expiresAt(session.token);
    if (exp === undefined) return;
    // setTimeout's delay is a 32-bit number of milliseconds.
    const timer = setTimeout(
      () => {
        saveSession(undefined);
        setSession(undefined);
        setProblem("Your session ended; sign in again");
      },
      Math.min(Math.max(0, exp - Date.now()), 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [session]);

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">Picstack</h1>
        <div ref={setSearchSlot} className="search-slot" />
        {session && (
          <div className="who">
            <span>
              Signed in as <strong>{session.user}</strong>
            </span>
            <button type="button" className="button subtle" onClick={() => signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {problem && (
        <div className="banner" role="alert">
          <span>{problem}</span>
          <button type="button" className="button subtle" onClick={() => setProblem(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      {!config ? (
        !problem && <p className="muted center">Loading…</p>
      ) : session ? (
        <Gallery
          config={config}
          session={session}
          searchSlot={searchSlot}
          onSessionEnded={() => signOut("Your session ended; sign in again")}
        />
      ) : (
        <SignIn
          config={config}
          onSignedIn={(s) => {
            saveSession(s);
            setSession(s);
            setProblem(undefined);
          }}
          onError={setProblem}
        />
      )}
    </div>
  );
}

function SignIn(props: {
  config: WebConfig;
  onSignedIn: (session: Session) => void;
  onError: (message: string) => void;
}) {
  const { auth } = props.config;
  const [userId, setUserId] = useState("");
  const [busy, setBusy] = useState(false);
  if (auth.kind === "cognito") {
    return (
      <main className="signin">
        <h2>Sign in</h2>
        <button
          type="button"
          className="button primary"
          onClick={() => cognitoSignIn(auth).catch((e: Error) => props.onError(e.message))}
        >
          Sign in with Cognito
        </button>
      </main>
    );
  }
  return (
    <main className="signin">
      <h2>Sign in</h2>
      <p className="muted">This is a local stack: any user id signs you in as that user.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          devSignIn(auth, userId.trim())
            .then(props.onSignedIn)
            .catch((e: Error) => props.onError(e.message))
            .finally(() => setBusy(false));
        }}
      >
        <label htmlFor="user-id">User id</label>
        <div className="row">
          <input
            id="user-id"
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            required
            pattern="[A-Za-z0-9._@:\-]{1,128}"
            autoComplete="username"
          />
          <button type="submit" className="button primary" disabled={busy}>
            Sign in
          </button>
        </div>
      </form>
    </main>
  );
}
