# libvmon: the small libraries every supervisor binary links.
LIBVMON_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard supervisor/lib/*.c))
LIBS += $(LIBVMON)

$(LIBVMON): $(LIBVMON_OBJS)
	$(AR) rcs $@ $^
