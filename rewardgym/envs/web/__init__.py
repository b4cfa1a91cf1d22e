"""Web environments: local web apps with generated tasks and rewards read from server state.

Three server-rendered apps run on one ``127.0.0.1`` server per process (stdlib ``http.server``), each env
in its own session with isolated, snapshot-restorable state:

- ``rewardgym/WebShop-v0``: a clothing shop (search, filters, product pages, cart, checkout);
- ``rewardgym/WebBooking-v0``: a form-heavy hotel booking site;
- ``rewardgym/WebMail-v0``: webmail (search, read, reply, compose, archive, delete).

Goals come from a seeded, parameterised generator with disjoint train/test splits
(:mod:`rewardgym.envs.web.tasks.generator`); observations are accessibility-tree style page text; actions are
``click(id)``, ``type(id, "text")``, ``select(id, "option")``, ``scroll(dir)``, ``goto(url)``, ``back()``
and ``answer("text")``. Two backends run the same tasks: ``http`` (default, stdlib only) and
``chromium`` (Playwright + system Chromium, JavaScript and screenshots; ``pip install "rewardgym[web]"``).

Example:
    >>> import gymnasium as gym
    >>> import rewardgym
    >>> env = gym.make("rewardgym/WebShop-v0", split="test")
    >>> obs, info = env.reset(seed=1)
    >>> expert = env.unwrapped.generator.expert(env.unwrapped.task)
    >>> done = False
    >>> while not done:
    ...     obs, reward, terminated, truncated, info = env.step(expert(obs))
    ...     done = terminated or truncated
    >>> reward, info["success"]
    (1.0, True)
    >>> env.close()
"""
