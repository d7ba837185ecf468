// The first page's WebAssembly parts from one bundle (frontend/bundle-parts.mjs appends this to
// the split loader, with the bundles of that build). Hydrating a page asks for its own module
// and every chunk it shares with other pages in one go; those requests are answered from the
// page's bundle, fetched once. Pages opened later ask only for the parts not loaded yet, one by
// one: their bundle would carry the parts already here. Whatever the bundle cannot answer (no
// bundle for that page, a failed fetch) is fetched as it was asked.
function fetchFirstPageFromBundle(bundles) {
  const fetchAsAsked = globalThis.fetch.bind(globalThis);
  const isPart = (url) => /\/(split|chunk)_[^/]*\.wasm$/.test(url.pathname);
  let asked = null; // the parts asked for in this task, answered together when it ends
  let firstPageDone = false;

  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), document.baseURI);
    if (firstPageDone || !isPart(url)) return fetchAsAsked(input, init);
    if (asked === null) {
      // The split loader asks for a page's chunks and module in one synchronous run.
      asked = [];
      queueMicrotask(() => {
        const parts = asked;
        asked = null;
        firstPageDone = true;
        answerFromBundle(parts);
      });
    }
    return new Promise((resolve, reject) => asked.push({ url, input, init, resolve, reject }));
  };

  async function answerFromBundle(parts) {
    let files = new Map();
    const module = parts.find(({ url }) => url.pathname.split("/").pop() in bundles);
    if (module) {
      const bundle = new URL(bundles[module.url.pathname.split("/").pop()], module.url);
      try {
        const answer = await fetchAsAsked(bundle);
        if (answer.ok) files = unpack(await answer.arrayBuffer());
      } catch (error) {
        console.warn(`Depot: the page's WebAssembly bundle (${bundle}) did not arrive; fetching its parts one by one`, error);
      }
    }
    for (const part of parts) {
      const bytes = files.get(part.url.pathname.split("/").pop());
      if (bytes) part.resolve(new Response(bytes, { headers: { "Content-Type": "application/wasm" } }));
      else fetchAsAsked(part.input, part.init).then(part.resolve, part.reject);
    }
  }

  // A bundle: a little-endian u32 length, a JSON index `[[file, bytes], …]`, then the files.
  function unpack(buffer) {
    const indexLength = new DataView(buffer).getUint32(0, true);
    const index = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, indexLength)));
    const files = new Map();
    let offset = 4 + indexLength;
    for (const [name, size] of index) {
      files.set(name, new Uint8Array(buffer, offset, size));
      offset += size;
    }
    return files;
  }
}
