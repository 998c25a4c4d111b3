// The training replay as a notebook widget (anywidget): the page in a frame of its own, driven
// through the page's window.autogradLitePlayback. Python sets "frame" and "playing"; the page
// reports its frame and whether it plays back. The page reads the notebook's theme itself.

function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.title = "training replay";
  frame.style.cssText = "width:100%;border:1px solid #8884;border-radius:4px";
  frame.style.height = model.get("height") + "px";
  let page = null;

  function tell(shown, playing) {
    if (model.get("frame") === shown && model.get("playing") === playing) return;
    model.set("frame", shown);
    model.set("playing", playing);
    model.save_changes();
  }

  frame.addEventListener("load", () => {
    page = frame.contentWindow && frame.contentWindow.autogradLitePlayback;
    if (!page) return;
    page.onFrame(tell);
    page.go(model.get("frame"));
    if (model.get("playing")) page.play();
  });
  frame.srcdoc = model.get("page");

  const onFrame = () => { if (page && page.frame() !== model.get("frame")) page.go(model.get("frame")); };
  const onPlaying = () => {
    if (!page || page.playing() === model.get("playing")) return;
    if (model.get("playing")) page.play(); else page.pause();
  };
  const onHeight = () => { frame.style.height = model.get("height") + "px"; };
  const onPage = () => { page = null; frame.srcdoc = model.get("page"); };
  model.on("change:frame", onFrame);
  model.on("change:playing", onPlaying);
  model.on("change:height", onHeight);
  model.on("change:page", onPage);
  el.appendChild(frame);
  return () => {
    model.off("change:frame", onFrame);
    model.off("change:playing", onPlaying);
    model.off("change:height", onHeight);
    model.off("change:page", onPage);
  };
}

export default { render };
