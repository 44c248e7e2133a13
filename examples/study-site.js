addEventListener('message', (e) => { if (e.data?.type === 'gqa-playground:height') for (const f of document.querySelectorAll('iframe')) if (f.contentWindow === e.source) f.height = e.data.height; });
