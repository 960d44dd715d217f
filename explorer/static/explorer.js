// Live updates: new finalized blocks are added to the home page's table and pending (best,
// unfinalized) blocks are shown apart. The pages work without this script.
(function () {
  if (!window.EventSource) return;
  const blocks = document.querySelector('#latest-blocks tbody');
  const pending = document.getElementById('pending-list');
  if (!blocks && !pending) return;
  const source = new EventSource('/api/live');
  const short = (h) => h.length > 16 ? h.slice(0, 8) + '…' + h.slice(-6) : h;
  source.addEventListener('finalized', (e) => {
    const { block } = JSON.parse(e.data);
    if (!blocks || blocks.querySelector(`a[href="/block/${block.number}"]`)) return;
    const row = document.createElement('tr');
    row.className = 'flash live';
    const time = block.timestamp_ms ? new Date(block.timestamp_ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '';
    row.innerHTML = `<td><a href="/block/${block.number}">#${block.number}</a></td><td>${time}</td><td>${block.extrinsics}</td><td>${block.events}</td><td class="mono">${short(block.hash)}</td>`;
    blocks.prepend(row);
    while (blocks.children.length > 12) blocks.lastElementChild.remove();
  });
  source.addEventListener('pending', (e) => {
    const { blocks: list } = JSON.parse(e.data);
    if (!pending) return;
    pending.replaceChildren(...list.map((p) => {
      const li = document.createElement('li');
      li.className = 'pending';
      li.textContent = `#${p.number} ${short(p.hash)} pending`;
      return li;
    }));
  });
})();
