/** The Walkie web app: entry point. */
import { render } from "preact";
import { App } from "./components/app.js";

render(<App />, document.getElementById("root")!);
